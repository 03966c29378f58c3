package io.virtflow.snapshot.domain;

/**
 * Why an operation is not carried out, decided before anything is touched. {@code code} is one of the
 * contract's error codes (INVALID_ARG, NO_SNAPSHOT, OPERATION_INVALID, OPERATION_UNSUPPORTED, SNAPSHOT_UNSAFE).
 */
public record Refusal(String code, String message) {
}
