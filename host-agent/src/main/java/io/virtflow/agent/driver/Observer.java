package io.virtflow.agent.driver;

import java.util.Optional;

import io.virtflow.agent.domain.Event;

/**
 * Where a driver's change feed goes. Called from the driver's own thread (libvirt's event loop, the sim's
 * caller): an implementation hands the news over and returns at once, never blocks.
 */
public interface Observer {

  /**
   * Something happened to domain {@code domainId}: {@code hint} is the event as the hypervisor reported it,
   * when it did. The observer reads the domain again to know where it is now (level-triggered): a hint may
   * be late, duplicated or out of date.
   */
  void changed(String domainId, Optional<Event> hint);

  /** Every domain may have changed (after a (re)connect, or periodically): read them all again. */
  void resync();

  /** The driver lost or regained its hypervisor. */
  void connection(DriverStatus status);
}
