package io.virtflow.agent.driver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.virtflow.agent.disk.ImageInfo;
import io.virtflow.agent.disk.Pool;
import io.virtflow.agent.disk.QemuImg;
import io.virtflow.agent.disk.QemuImgException;
import io.virtflow.agent.domain.Disk;
import io.virtflow.agent.domain.DiskReport;
import io.virtflow.agent.domain.DiskStep;
import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.domain.Fault;

/**
 * A domain's disks as real qcow2 files in the pool, handled with {@code qemu-img}, for every driver: the
 * base images a define creates, and the file steps of snapshot workflows on a domain whose images no
 * running guest holds. Each step checks whether it is already done
 * before acting; a step that cannot be done safely fails before touching anything. The semantics of each
 * step are tabled in {@code host-agent/README.md}.
 *
 * <p>Blocking; one call per domain at a time (the driver's caller guarantees it).
 */
public final class ImageSteps {
  private static final Logger LOG = LoggerFactory.getLogger(ImageSteps.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Temporary copies and images: never a backing file, never a step's answer. */
  private static final String PART = ".part";

  private final Pool pool;
  private final QemuImg qemu;

  public ImageSteps(Pool pool, QemuImg qemu) {
    this.pool = Objects.requireNonNull(pool, "pool");
    this.qemu = Objects.requireNonNull(qemu, "qemu");
  }

  public QemuImg qemu() {
    return qemu;
  }

  // ---- define -----------------------------------------------------------------------------------

  /**
   * Creates a disk's base image, or keeps the one a define cut off by a crash already made (an image of
   * this size that stands alone). All or nothing across the disks of one define.
   */
  public void createBaseImages(String domainId, List<Disk> disks) {
    createBaseImages(domainId, disks, null);
  }

  /**
   * As {@link #createBaseImages(String, List)}; a disk with an {@code image} gets a copy-on-write overlay
   * whose backing file is that image in {@code imageDir} (never written).
   */
  public void createBaseImages(String domainId, List<Disk> disks, Path imageDir) {
    List<Path> created = new ArrayList<>();
    try {
      for (Disk disk : disks) {
        Path image = Path.of(disk.path());
        if (disk.image() != null) {
          Path backing = imageDir.resolve(disk.image()).toAbsolutePath().normalize();
          if (Files.exists(image, LinkOption.NOFOLLOW_LINKS)) {
            ImageInfo info = qemu.info(image);
            if (info.backing() == null || !info.backing().toAbsolutePath().normalize().equals(backing)) {
              throw HypervisorException.failed(Fault.DRIVER_ERROR, "image " + image + " exists already and is not "
                  + "an overlay of " + backing + "; refusing to overwrite it");
            }
            continue;
          }
          Path part = partOf(image);
          qemu.createOverlay(part, backing);
          moveIntoPlace(part, image);
          created.add(image);
          continue;
        }
        if (Files.exists(image, LinkOption.NOFOLLOW_LINKS)) {
          ImageInfo info = qemu.info(image);
          if (info.backing() != null || info.virtualSize() != disk.sizeGiB() * (1L << 30)) {
            throw HypervisorException.failed(Fault.DRIVER_ERROR, "image " + image + " exists already and is not "
                + "a standalone " + disk.sizeGiB() + " GiB image; refusing to overwrite it");
          }
          LOG.info("domain {}: keeping image {} made by an earlier attempt of this define", domainId, image);
          continue;
        }
        Path part = partOf(image);
        qemu.create(part, disk.sizeGiB());
        moveIntoPlace(part, image);
        created.add(image);
      }
    } catch (QemuImgException e) {
      removeQuietly(created);
      throw driverError(e);
    } catch (RuntimeException e) {
      removeQuietly(created);
      throw e;
    }
  }

  // ---- file steps --------------------------------------------------------------------------------

  /** A path a step names, as a file of {@code domainId} in the pool; REJECTED INVALID_ARG otherwise. */
  public Path confine(String domainId, String path) {
    try {
      return pool.confine(domainId, path);
    } catch (Pool.PathRefusedException e) {
      throw HypervisorException.rejected(Fault.INVALID_ARG, e.getMessage());
    }
  }

  /** Checks that SET_ACTIVE may point a disk at {@code file}: an existing, readable qcow2 image. */
  public void checkCanBeActive(Path file) {
    requireExists(file, "image");
    try {
      qemu.info(file);
    } catch (QemuImgException e) {
      throw driverError(e);
    }
  }

  /** Runs a file step; returns what it did, or that it was already done. */
  public String run(Domain d, DiskStep step) {
    try {
      return switch (step.kind()) {
        case CREATE_INTERNAL -> createInternal(d, step);
        case DELETE_INTERNAL -> deleteInternal(d, step);
        case APPLY_INTERNAL -> applyInternal(d, step);
        case CREATE_OVERLAY -> createOverlay(d, step);
        case COPY_FILE -> copyFile(d, step);
        case REBASE -> rebase(d, step);
        case DELETE_FILE -> deleteFile(d, step);
        default -> throw new IllegalArgumentException(step.kind() + " is not a file step");
      };
    } catch (QemuImgException e) {
      throw driverError(e);
    } catch (IOException e) {
      throw HypervisorException.failed(Fault.DRIVER_ERROR, step + ": " + e);
    }
  }

  private String createInternal(Domain d, DiskStep step) {
    Path file = confine(d.id(), step.file());
    requireExists(file, "image");
    // qemu-img accepts a second snapshot with a name that exists: never make one.
    if (qemu.info(file).hasTag(step.tag())) {
      return "already done: " + file + " holds internal snapshot '" + step.tag() + "'";
    }
    qemu.snapshotCreate(file, step.tag());
    return "created internal snapshot '" + step.tag() + "' in " + file;
  }

  private String deleteInternal(Domain d, DiskStep step) {
    Path file = confine(d.id(), step.file());
    if (!exists(file)) {
      return "already done: " + file + " does not exist, so neither does its internal snapshot '" + step.tag() + "'";
    }
    if (!qemu.info(file).hasTag(step.tag())) {
      return "already done: " + file + " has no internal snapshot '" + step.tag() + "'";
    }
    qemu.snapshotDelete(file, step.tag());
    return "deleted internal snapshot '" + step.tag() + "' from " + file;
  }

  /**
   * No "done" test exists for an apply (qemu keeps no "applied" mark), and none is needed: it is
   * re-run only when it was cut off before its outcome was recorded, so nothing has written to the file
   * since, and applying the same snapshot again gives the same bytes.
   */
  private String applyInternal(Domain d, DiskStep step) {
    Path file = confine(d.id(), step.file());
    requireExists(file, "image");
    if (!qemu.info(file).hasTag(step.tag())) {
      throw HypervisorException.failed(Fault.NO_SNAPSHOT, "image " + file + " has no internal snapshot '"
          + step.tag() + "'");
    }
    if (d.state().isActive() && openByGuest(d).contains(file)) {
      throw HypervisorException.failed(Fault.OPERATION_INVALID, "cannot apply internal snapshot '" + step.tag()
          + "' to " + file + ": domain '" + d.name() + "' is " + d.state().description()
          + " and has the image open; stop it first");
    }
    qemu.snapshotApply(file, step.tag());
    return "applied internal snapshot '" + step.tag() + "' to " + file;
  }

  private String createOverlay(Domain d, DiskStep step) throws IOException {
    Path file = confine(d.id(), step.file());
    Path backing = confine(d.id(), step.backing());
    if (file.equals(backing)) {
      throw HypervisorException.rejected(Fault.INVALID_ARG, "an overlay cannot be its own backing file: " + file);
    }
    if (exists(file)) {
      Path now = qemu.info(file).backing();
      if (backing.equals(now)) {
        return "already done: " + file + " exists with backing file " + backing;
      }
      throw HypervisorException.failed(Fault.SNAPSHOT_UNSAFE, "cannot create overlay " + file + " on " + backing
          + ": the file exists already " + (now == null ? "without a backing file" : "with backing file " + now)
          + "; refusing to overwrite it");
    }
    requireExists(backing, "backing file");
    // Made under a temporary name and renamed: a file with the final name is always a whole image.
    Path part = partOf(file);
    if (d.state().isActive() && openByGuest(d).contains(backing)) {
      // A running guest holds its chain: qemu-img may read the header (-U), not open the file.
      qemu.createOverlayOnHeld(part, backing);
    } else {
      qemu.createOverlay(part, backing);
    }
    moveIntoPlace(part, file);
    return "created overlay " + file + " on " + backing;
  }

  private String copyFile(Domain d, DiskStep step) throws IOException {
    Path source = confine(d.id(), step.source());
    Path file = confine(d.id(), step.file());
    if (exists(file)) {
      // Copies are renamed into place once complete: an existing target is a whole copy.
      return "already done: " + file + " exists";
    }
    requireExists(source, "source");
    if (d.state().isActive() && activeTops(d).contains(source)) {
      throw HypervisorException.failed(Fault.OPERATION_INVALID, "cannot copy " + source + ": domain '" + d.name()
          + "' is " + d.state().description() + " and writes to it, so a copy would be torn");
    }
    pool.copyAtomically(source, file);
    return "copied " + source + " to " + file;
  }

  private String rebase(Domain d, DiskStep step) {
    Path file = confine(d.id(), step.file());
    Path backing = step.backing() == null ? null : confine(d.id(), step.backing());
    requireExists(file, "image");
    ImageInfo info = qemu.info(file);
    if (Objects.equals(info.backing(), backing)) {
      return "already done: " + file + (backing == null ? " has no backing file" : " has backing file " + backing);
    }
    if (!info.tags().isEmpty()) {
      // Its internal snapshots read through the backing file too, and the rebase copies data into the
      // file's current state only: they would read other bytes afterwards.
      throw HypervisorException.failed(Fault.SNAPSHOT_UNSAFE, "cannot rebase " + file + ": it holds internal "
          + "snapshots " + info.tags() + " whose content would change");
    }
    if (backing != null) {
      requireExists(backing, "backing file");
      if (qemu.chain(backing).stream().anyMatch(i -> i.file().equals(file))) {
        throw HypervisorException.failed(Fault.INVALID_ARG, "cannot rebase " + file + " onto " + backing
            + ": " + backing + " reads through " + file + ", which would make a backing loop");
      }
    }
    qemu.rebase(file, backing);
    return "rebased " + file + (backing == null ? " to stand alone" : " onto " + backing);
  }

  private String deleteFile(Domain d, DiskStep step) throws IOException {
    Path file = confine(d.id(), step.file());
    if (!exists(file)) {
      return "already done: " + file + " does not exist";
    }
    for (Disk disk : d.disks()) {
      if (disk.path() != null && file.equals(Path.of(disk.path()))) {
        throw HypervisorException.failed(Fault.SNAPSHOT_UNSAFE, "cannot delete " + file + ": it is the active image "
            + "of disk " + disk.target() + " of domain '" + d.name() + "'");
      }
    }
    for (Path other : pool.filesOf(d.id())) {
      if (other.equals(file) || other.getFileName().toString().endsWith(PART)) {
        continue;
      }
      Path backing;
      try {
        backing = qemu.info(other).backing();
      } catch (QemuImgException e) {
        throw HypervisorException.failed(Fault.SNAPSHOT_UNSAFE, "cannot delete " + file + ": cannot tell whether "
            + other + " reads through it: " + e.getMessage());
      }
      if (file.equals(backing)) {
        throw HypervisorException.failed(Fault.SNAPSHOT_UNSAFE, "cannot delete " + file + ": it is the backing file "
            + "of " + other);
      }
    }
    pool.delete(file);
    return "deleted " + file;
  }

  // ---- inspect -----------------------------------------------------------------------------------

  /** See {@link Hypervisor#inspectDisks}; a file qemu-img cannot read is listed under "unreadable". */
  public DiskReport inspect(Domain d) {
    java.util.Map<String, DiskReport.DiskChain> disks = new java.util.LinkedHashMap<>();
    java.util.Map<String, List<String>> tags = new java.util.LinkedHashMap<>();
    java.util.Map<String, String> unreadable = new java.util.LinkedHashMap<>();
    for (Disk disk : d.disks()) {
      try {
        JsonNode chain = qemu.chainJson(Path.of(disk.path()));
        disks.put(disk.target(), new DiskReport.DiskChain(disk.path(), chain.toString(), null));
        for (JsonNode image : chain) {
          List<String> names = new ArrayList<>();
          image.path("snapshots").forEach(s -> names.add(s.path("name").asText()));
          tags.put(fileOf(image), names);
        }
      } catch (QemuImgException e) {
        disks.put(disk.target(), new DiskReport.DiskChain(disk.path(), "[]", e.getMessage()));
      }
    }
    List<String> poolFiles = new ArrayList<>();
    try {
      for (Path f : pool.filesOf(d.id())) {
        poolFiles.add(f.toString());
        if (tags.containsKey(f.toString())) {
          continue;
        }
        try {
          tags.put(f.toString(), qemu.info(f).tags());
        } catch (QemuImgException e) {
          unreadable.put(f.toString(), e.getMessage());
        }
      }
    } catch (IOException e) {
      throw HypervisorException.failed(Fault.DRIVER_ERROR, "cannot list the storage pool: " + e);
    }
    return new DiskReport(disks, poolFiles, tags, unreadable);
  }

  // ---- helpers -----------------------------------------------------------------------------------

  /** The images a running guest has open: each disk's active image and everything it reads through. */
  public Set<Path> openByGuest(Domain d) {
    Set<Path> open = new LinkedHashSet<>();
    for (Path top : activeTops(d)) {
      if (exists(top)) {
        qemu.chain(top).forEach(i -> open.add(i.file()));
      }
    }
    return open;
  }

  private static Set<Path> activeTops(Domain d) {
    Set<Path> tops = new LinkedHashSet<>();
    for (Disk disk : d.disks()) {
      if (disk.path() != null) {
        tops.add(Path.of(disk.path()));
      }
    }
    return tops;
  }

  private static Path partOf(Path file) {
    return file.resolveSibling(file.getFileName() + PART);
  }

  private void moveIntoPlace(Path part, Path file) {
    try {
      pool.moveIntoPlace(part, file);
    } catch (IOException e) {
      throw HypervisorException.failed(Fault.DRIVER_ERROR, "cannot move " + part + " to " + file + ": " + e);
    }
  }

  private static boolean exists(Path file) {
    return Files.exists(file, LinkOption.NOFOLLOW_LINKS);
  }

  private static void requireExists(Path file, String what) {
    if (!exists(file)) {
      throw HypervisorException.failed(Fault.INVALID_ARG, what + " " + file + " does not exist");
    }
  }

  private void removeQuietly(List<Path> files) {
    for (Path f : files) {
      try {
        pool.delete(f);
      } catch (IOException e) {
        LOG.warn("cannot remove {} after a failed define: {}", f, e.toString());
      }
    }
  }

  private static HypervisorException driverError(QemuImgException e) {
    return HypervisorException.failed(Fault.DRIVER_ERROR, e.getMessage());
  }

  /** How an element of qemu-img's chain names its file: as given, made absolute. */
  private static String fileOf(JsonNode image) {
    return Path.of(image.path("filename").asText()).toAbsolutePath().normalize().toString();
  }
}
