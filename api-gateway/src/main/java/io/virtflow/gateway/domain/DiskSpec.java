package io.virtflow.gateway.domain;

/**
 * One disk asked for on define: its guest target, its size, and optionally the base image (a file of
 * the host's image directory) the domain's own qcow2 file is made on as its read-only backing file.
 * Ranges and names are checked by {@link DomainRules}.
 */
public record DiskSpec(String target, long sizeGiB, String image) {
  /** A blank disk. */
  public DiskSpec(String target, long sizeGiB) {
    this(target, sizeGiB, null);
  }
}
