package io.virtflow.agent.domain;

import java.util.Objects;

/**
 * One disk of a domain: guest device {@code target} (vda, sdb, ...), size, image format, the image file in
 * use now ({@code path}, inside the host's pool; null in a definition the host has not placed yet), and the
 * base image it was made from ({@code image}, a file name in the host's image directory, used read-only as
 * the backing file of the domain's own qcow2 file; null for a blank disk).
 */
public record Disk(String target, int sizeGiB, String format, String path, String image) {
  public static final String QCOW2 = "qcow2";

  public Disk {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(format, "format");
  }

  /** A blank disk. */
  public Disk(String target, int sizeGiB, String format, String path) {
    this(target, sizeGiB, format, path, null);
  }

  public Disk placedAt(String imagePath) {
    return new Disk(target, sizeGiB, format, imagePath, image);
  }
}
