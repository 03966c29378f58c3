package io.virtflow.gateway.domain;

/** What a {@link Role} may do; the table is {@link Role#permits}. */
public enum Permission {
  /** GET domains, commands, snapshots, schemas, hosts (without their driver details); the event stream. */
  READ,
  /** Every command: define, lifecycle, undefine, cancel, snapshot create/revert/delete/reconcile. */
  OPERATE,
  /**
   * The hosts' driver details in {@code GET /v1/hosts}: {@code driverFacts} (the hypervisor URI, the image
   * directory, the count of foreign domains on that hypervisor) and {@code driverMessage} (which names the URI,
   * or the connection error with addresses and paths). What runs the fleet, not what a project needs.
   */
  HOST_DETAILS,
  /** {@code GET /v1/bus}: every topic's offsets, every consumer group's lag, the dead letters and why. */
  READ_BUS,
  /** Naming the {@code host} of a define (Nova's forced host). */
  CHOOSE_HOST,
  /** Seeing and acting on every project's domains, and on domains without a project. */
  ALL_PROJECTS
}
