package io.virtflow.gateway.domain;

/**
 * The state a domain ends in after a revert: running, paused, or the state the snapshot recorded
 * ({@code KEEP}, the default, as libvirt without RUNNING/PAUSED flags). Names equal the Avro {@code RevertStart}.
 */
public enum RevertStart {
  RUNNING, PAUSED, KEEP
}
