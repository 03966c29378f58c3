package io.virtflow.snapshot.domain;

/** Where a snapshot's disk data lives: inside the qcow2 file, or in a frozen file under a new overlay. */
public enum SnapshotKind {
  INTERNAL,
  EXTERNAL
}
