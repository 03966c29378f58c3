package io.virtflow.gateway.command;

import io.virtflow.gateway.domain.AuditEntry;

/** Where audit records go ({@code virtflow.audit} in production). Never blocks, never fails the caller. */
public interface AuditLog {
  void record(AuditEntry entry);

  /** An audit log that keeps nothing (tests of parts that do not audit). */
  AuditLog NONE = e -> { };
}
