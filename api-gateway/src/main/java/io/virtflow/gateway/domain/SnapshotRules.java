package io.virtflow.gateway.domain;

import java.util.Optional;

/**
 * What the gateway checks of a snapshot request before it is published. These are the checks that need
 * only the request and the catalog projection; the snapshot service owns the safety rules (DESIGN §6)
 * and checks everything again, including what these check, since the projection may lag.
 * <ul>
 *   <li>snapshot names follow the domain name rules (1..64 of {@code [A-Za-z0-9._-]}, alphanumeric
 *       first, not {@code .} or {@code ..}); unlike domain names they may look like a UUID, since a
 *       snapshot path segment is only ever a name;</li>
 *   <li>a new snapshot's name is not in the catalog and not being created right now;</li>
 *   <li>{@code quiesce} of a running domain needs a guest agent: one whose state says its definition has
 *       none is refused ({@code OPERATION_UNSUPPORTED}, as the snapshot service words it). The guest agent
 *       is opt-in at define, so this reads the domain's own flag, never a default. A domain that is not
 *       running is left to the service, which refuses that first ({@code OPERATION_INVALID}): both answer
 *       alike;</li>
 *   <li>revert and delete name a snapshot in the catalog;</li>
 *   <li>{@code children} and {@code childrenOnly} exclude each other (libvirt's flags do);</li>
 *   <li>undefine of a domain with snapshots needs {@code snapshotsMetadata} (libvirt's
 *       {@code UNDEFINE_SNAPSHOTS_METADATA}).</li>
 * </ul>
 */
public final class SnapshotRules {
  public static final int DESCRIPTION_MAX = 1024;
  private static final String RUNNING = "RUNNING";

  private SnapshotRules() {
  }

  /** Why a snapshot name is not acceptable, or empty when it is. */
  public static Optional<String> nameProblem(String name) {
    return DomainRules.libvirtNameProblem(name);
  }

  /** The checks of the request alone, made before its domain is looked up; throws the first problem. */
  public static void checkInput(Operation.SnapshotOperation op) {
    if (op instanceof Operation.CreateSnapshot create) {
      SnapshotSpec spec = create.spec();
      nameProblem(spec.name()).ifPresent(p -> {
        throw Refusal.invalid("name", p);
      });
      if (spec.description() != null && spec.description().length() > DESCRIPTION_MAX) {
        throw Refusal.invalid("description", "must be at most " + DESCRIPTION_MAX + " characters, got "
            + spec.description().length());
      }
    } else if (op instanceof Operation.DeleteSnapshot delete && delete.children() && delete.childrenOnly()) {
      throw Refusal.invalid("childrenOnly", "cannot be combined with children (children deletes the snapshot and "
          + "its descendants, childrenOnly only its descendants)");
    }
  }

  /** The checks against the domain's catalog; throws a 404- or 409-kind refusal. */
  public static void checkAgainst(Operation.SnapshotOperation op, String domainName, SnapshotDirectory.Entry entry) {
    checkAgainst(op, domainName, entry, null);
  }

  /**
   * The checks against the domain's catalog and its state; throws a 404- or 409-kind refusal.
   *
   * @param domain the domain's latest state, or null when not known yet (a define still pending: the service
   *     and the agent check what needs it)
   */
  public static void checkAgainst(Operation.SnapshotOperation op, String domainName, SnapshotDirectory.Entry entry,
      DomainView domain) {
    SnapshotCatalogView catalog = entry.catalog();
    if (op instanceof Operation.CreateSnapshot create) {
      String name = create.spec().name();
      if (create.spec().quiesce() && domain != null && RUNNING.equals(domain.state()) && !domain.guestAgent()) {
        throw Refusal.unsupported("quiesce needs a guest agent; domain '" + domainName + "' has none (define it "
            + "with \"guestAgent\": true), or take the snapshot without quiesce");
      }
      if (catalog.contains(name)) {
        throw Refusal.conflict("domain '" + domainName + "' already has a snapshot '" + name + "'");
      }
      SnapshotDirectory.InProgress ip = entry.inProgress();
      if (ip != null && "CREATING".equals(ip.phase()) && name.equals(ip.snapshot())) {
        throw Refusal.conflict("snapshot '" + name + "' of domain '" + domainName + "' is being created now");
      }
    } else if (op instanceof Operation.RevertSnapshot revert) {
      requireSnapshot(domainName, catalog, revert.snapshot());
    } else if (op instanceof Operation.DeleteSnapshot delete) {
      requireSnapshot(domainName, catalog, delete.snapshot());
    }
  }

  /**
   * What the libvirt driver cannot do yet on a running (or paused) guest, refused before anything is
   * touched: an internal snapshot (QEMU 7.2 takes no disk-only internal snapshot of a running guest, and
   * snapshots with memory are not built) and quiesce. An external snapshot of a running guest is taken live;
   * a forced revert stops the guest, works offline and starts it again; a delete is merged live where QEMU
   * can do it, which the snapshot service decides from the files (docs/SNAPSHOT-RULES.md).
   *
   * @param hostDriver the driver of the domain's host (null when not known)
   */
  public static void checkLive(Operation.SnapshotOperation op, String domainName, DomainView domain, String hostDriver) {
    if (!"libvirt".equals(hostDriver) || domain == null || "SHUTOFF".equals(domain.state())) {
      return;
    }
    String state = domain.state().toLowerCase(java.util.Locale.ROOT);
    if (op instanceof Operation.CreateSnapshot create) {
      if (create.spec().kind() == SnapshotKind.INTERNAL) {
        throw Refusal.unsupported("cannot take an internal snapshot of domain '" + domainName + "' while it is "
            + state + ": QEMU 7.2 takes no disk-only internal snapshot of a running guest, and snapshots with "
            + "memory are not supported yet; take an EXTERNAL one, or shut the domain down first");
      }
      if (create.spec().quiesce()) {
        throw Refusal.unsupported("quiesce is not supported by the libvirt driver yet: take the snapshot of '"
            + domainName + "' without quiesce");
      }
    }
    // A delete is the snapshot service's to judge: whether its merges can run live depends on the files
    // (which one the guest holds, which one a pull can drop), and it refuses before anything is touched.
  }

  /** Throws NO_SNAPSHOT unless the catalog has the snapshot. */
  public static SnapshotCatalogView.SnapshotView requireSnapshot(String domainName, SnapshotCatalogView catalog,
      String snapshot) {
    return catalog.find(snapshot).orElseThrow(() -> Refusal.noSnapshot(domainName, snapshot));
  }

  /** Undefine keeps no catalog entry behind by accident: a domain with snapshots needs snapshotsMetadata. */
  public static void checkUndefine(String domainName, Operation.Undefine undefine, int snapshotCount) {
    if (snapshotCount > 0 && !undefine.snapshotsMetadata()) {
      throw Refusal.conflict("domain '" + domainName + "' has " + snapshotCount
          + (snapshotCount == 1 ? " snapshot" : " snapshots")
          + "; undefine with snapshotsMetadata=true to drop their metadata");
    }
  }
}
