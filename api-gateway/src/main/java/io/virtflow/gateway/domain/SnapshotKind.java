package io.virtflow.gateway.domain;

/**
 * Where a snapshot's disk data lives: inside each qcow2 file ({@code INTERNAL}) or in new overlay files
 * whose backing files are the old images ({@code EXTERNAL}). Names equal the Avro {@code SnapshotKindCode}.
 */
public enum SnapshotKind {
  INTERNAL, EXTERNAL
}
