package io.virtflow.agent.domain;

/**
 * Why a command did not do what it asked, after libvirt's {@code virErrorNumber}. The names are the
 * contract's {@code ErrorCode} symbols.
 */
public enum Fault {
  INVALID_ARG, NO_DOMAIN, NO_SNAPSHOT, OPERATION_INVALID, OPERATION_UNSUPPORTED, SNAPSHOT_UNSAFE, BUSY, TIMEOUT,
  DRIVER_ERROR, INTERNAL
}
