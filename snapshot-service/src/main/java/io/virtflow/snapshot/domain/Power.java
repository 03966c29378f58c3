package io.virtflow.snapshot.domain;

/** The part of a domain's state that snapshot rules care about. */
public enum Power {
  RUNNING,
  PAUSED,
  SHUTOFF;

  public boolean active() {
    return this != SHUTOFF;
  }

  /** libvirt's state names to this: transitional and odd states count as active (they have a guest). */
  public static Power of(String libvirtState) {
    return switch (libvirtState) {
      case "PAUSED", "PMSUSPENDED" -> PAUSED;
      case "SHUTOFF", "CRASHED", "NOSTATE" -> SHUTOFF;
      default -> RUNNING;
    };
  }
}
