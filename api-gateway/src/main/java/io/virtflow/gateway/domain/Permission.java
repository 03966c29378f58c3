package io.virtflow.gateway.domain;

/** What a {@link Role} may do; the table is {@link Role#permits}. */
public enum Permission {
  /** GET domains, commands, snapshots, schemas; the event stream. */
  READ,
  /** Every command: define, lifecycle, undefine, cancel, snapshot create/revert/delete/reconcile. */
  OPERATE,
  /** {@code GET /v1/hosts}. */
  READ_HOSTS,
  /** Naming the {@code host} of a define (Nova's forced host). */
  CHOOSE_HOST,
  /** Seeing and acting on every project's domains, and on domains without a project. */
  ALL_PROJECTS
}
