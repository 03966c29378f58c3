package io.virtflow.gateway.domain;

/**
 * The failure codes of DESIGN §4 (after libvirt's virErrorNumber), as the gateway's pure rules name
 * them. The names equal the Avro {@code ErrorCode} symbols one for one (a test keeps them so).
 */
public enum FailureCode {
  INVALID_ARG, NO_DOMAIN, NO_HOST, NO_SNAPSHOT, OPERATION_INVALID, OPERATION_UNSUPPORTED, SNAPSHOT_UNSAFE,
  BUSY, HOST_UNAVAILABLE, TIMEOUT, DRIVER_ERROR, INTERNAL, AUTH_FAILED, ACCESS_DENIED, RATE_LIMITED
}
