package io.virtflow.agent.driver;

import java.util.Objects;
import java.util.Optional;

import io.virtflow.agent.domain.Fault;
import io.virtflow.agent.domain.State;

/**
 * A hypervisor call that did not happen. A <em>refused</em> call was turned down as a request (it ends
 * {@code REJECTED}); any other did not succeed in the situation it met ({@code FAILED}). By default
 * {@link Fault#DRIVER_ERROR} and {@link Fault#INTERNAL} are failures and every other fault a refusal; the
 * disk steps say which they mean ({@link #rejected}, {@link #failed}). Either way nothing changed.
 */
public final class HypervisorException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Fault fault;
  private final transient Optional<State> current;
  private final boolean refused;
  private final boolean guest;

  private HypervisorException(Fault fault, String message, Optional<State> current, boolean refused, boolean guest) {
    super(message);
    this.fault = Objects.requireNonNull(fault, "fault");
    this.current = Objects.requireNonNull(current, "current");
    this.refused = refused;
    this.guest = guest;
  }

  private HypervisorException(Fault fault, String message, Optional<State> current, boolean refused) {
    this(fault, message, current, refused, false);
  }

  public HypervisorException(Fault fault, String message, Optional<State> current) {
    this(fault, message, current, fault != Fault.DRIVER_ERROR && fault != Fault.INTERNAL);
  }

  public HypervisorException(Fault fault, String message) {
    this(fault, message, Optional.empty());
  }

  /** The request is refused as such (bad argument, unknown domain): it ends REJECTED. */
  public static HypervisorException rejected(Fault fault, String message) {
    return new HypervisorException(fault, message, Optional.empty(), true);
  }

  /** The request could not be carried out in the situation it met: it ends FAILED. */
  public static HypervisorException failed(Fault fault, String message) {
    return new HypervisorException(fault, message, Optional.empty(), false);
  }

  /**
   * The guest did not do what it was asked in time (a shutdown it ignored): {@link Fault#TIMEOUT}, FAILED,
   * with nothing uncertain about it (the driver saw the guest still running) and no fault of the driver's.
   */
  public static HypervisorException guestTimeout(String message) {
    return new HypervisorException(Fault.TIMEOUT, message, Optional.of(State.RUNNING), false, true);
  }

  /** A failure of the guest's, not of the driver: it does not count against the driver's circuit breaker. */
  public boolean guest() {
    return guest;
  }

  public Fault fault() {
    return fault;
  }

  /** The domain's state when the call was refused, when there is a domain. */
  public Optional<State> current() {
    return current;
  }

  /** Turned down as a request (REJECTED), as opposed to failed in the attempt (FAILED). */
  public boolean refused() {
    return refused;
  }
}
