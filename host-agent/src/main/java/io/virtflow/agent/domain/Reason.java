package io.virtflow.agent.domain;

/**
 * Why a domain is in its state: the union of libvirt's per-state reason enums
 * ({@code virDomainRunningReason}, {@code virDomainPausedReason}, {@code virDomainShutoffReason}, ...).
 * The names are the contract's {@code StateReason} symbols.
 */
public enum Reason {
  UNKNOWN, BOOTED, MIGRATED, RESTORED, FROM_SNAPSHOT, UNPAUSED, SAVE_CANCELED, WAKEUP, USER, IOERROR, WATCHDOG,
  SHUTTING_DOWN, SNAPSHOT, API_ERROR, SHUTDOWN, DESTROYED, CRASHED, SAVED, FAILED, PANICKED
}
