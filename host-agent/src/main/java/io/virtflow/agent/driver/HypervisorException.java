package io.virtflow.agent.driver;

import java.util.Objects;
import java.util.Optional;

import io.virtflow.agent.domain.Fault;
import io.virtflow.agent.domain.State;

/**
 * A hypervisor call that did not happen. {@link Fault#DRIVER_ERROR} means the hypervisor failed;
 * the other faults mean the call was refused up front and nothing changed.
 */
public final class HypervisorException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Fault fault;
  private final transient Optional<State> current;

  public HypervisorException(Fault fault, String message, Optional<State> current) {
    super(message);
    this.fault = Objects.requireNonNull(fault, "fault");
    this.current = Objects.requireNonNull(current, "current");
  }

  public HypervisorException(Fault fault, String message) {
    this(fault, message, Optional.empty());
  }

  public Fault fault() {
    return fault;
  }

  /** The domain's state when the call was refused, when there is a domain. */
  public Optional<State> current() {
    return current;
  }

  /** Refused before anything was touched (as opposed to a failure of the hypervisor itself). */
  public boolean refused() {
    return fault != Fault.DRIVER_ERROR && fault != Fault.INTERNAL;
  }
}
