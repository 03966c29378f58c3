package io.virtflow.agent.domain;

import java.util.Objects;

/**
 * One disk of a domain: guest device {@code target} (vda, sdb, ...), size, image format, and the image
 * file in use now ({@code path}, inside the host's pool; null in a definition the host has not placed yet).
 */
public record Disk(String target, int sizeGiB, String format, String path) {
  public static final String QCOW2 = "qcow2";

  public Disk {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(format, "format");
  }

  public Disk placedAt(String imagePath) {
    return new Disk(target, sizeGiB, format, imagePath);
  }
}
