package io.virtflow.agent.driver;

import java.util.Optional;

import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.domain.Fault;
import io.virtflow.agent.domain.Lifecycle;
import io.virtflow.agent.domain.Operation;
import io.virtflow.agent.domain.Request;
import io.virtflow.agent.domain.Transition;

/**
 * For tests that drive a driver directly: a lifecycle call as the agent makes it — look the domain up,
 * decide with {@link Lifecycle}, and have the driver carry the decision out. A refusal is thrown as the
 * agent would report it.
 */
public final class Calls {
  private Calls() {
  }

  public static Change apply(Hypervisor driver, String domainId, Request request) {
    Optional<Domain> before = driver.lookup(domainId);
    Transition decided = before.isEmpty() ? Lifecycle.applyToAbsent(domainId, request)
        : Lifecycle.apply(before.get().name(), before.get().state(), before.get().reason(), request);
    if (decided instanceof Transition.Rejected r) {
      throw new HypervisorException(r.fault(), r.message(), r.current());
    }
    if (before.isEmpty()) {
      throw new HypervisorException(Fault.NO_DOMAIN, "no domain " + domainId);
    }
    return driver.carryOut(before.get(), request, (Transition.Accepted) decided);
  }

  public static Change start(Hypervisor driver, String domainId, boolean paused) {
    return apply(driver, domainId, paused ? Request.startPaused() : Request.of(Operation.START));
  }

  public static Change shutdown(Hypervisor driver, String domainId) {
    return apply(driver, domainId, Request.of(Operation.SHUTDOWN));
  }

  public static Change reboot(Hypervisor driver, String domainId) {
    return apply(driver, domainId, Request.of(Operation.REBOOT));
  }

  public static Change destroy(Hypervisor driver, String domainId) {
    return apply(driver, domainId, Request.of(Operation.DESTROY));
  }

  public static Change suspend(Hypervisor driver, String domainId) {
    return apply(driver, domainId, Request.of(Operation.SUSPEND));
  }

  public static Change resume(Hypervisor driver, String domainId) {
    return apply(driver, domainId, Request.of(Operation.RESUME));
  }

  public static Change undefine(Hypervisor driver, String domainId, boolean force) {
    return apply(driver, domainId, Request.undefine(force));
  }

  public static Change undefine(Hypervisor driver, String domainId, boolean force, boolean removeStorage) {
    return apply(driver, domainId, Request.undefine(force, removeStorage));
  }
}
