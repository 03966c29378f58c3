package io.virtflow.agent.domain;

/** libvirt's {@code virDomainState}: what a domain is doing now. */
public enum State {
  NOSTATE("in no state"),
  RUNNING("running"),
  BLOCKED("blocked on a resource"),
  PAUSED("paused"),
  SHUTDOWN("being shut down"),
  SHUTOFF("shut off"),
  CRASHED("crashed"),
  PMSUSPENDED("suspended by guest power management");

  private final String description;

  State(String description) {
    this.description = description;
  }

  /** How an error message names the state: "it is shut off". */
  public String description() {
    return description;
  }

  /** libvirt's "active": a domain that has a running (or paused, ...) process behind it. */
  public boolean isActive() {
    return this != SHUTOFF && this != NOSTATE;
  }
}
