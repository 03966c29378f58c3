package io.virtflow.snapshot.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Compares a domain's catalog with what the host really has ({@code qemu-img info --backing-chain} of
 * every disk, the internal snapshots of every file, every file of the domain in the pool) and names
 * each difference.
 */
public final class Reconciliation {

  /** What the host reported. {@code backing} and {@code tags} are known for every file listed in them. */
  public record Observed(Map<String, String> active, Map<String, String> backing, Map<String, Set<String>> tags,
      Set<String> poolFiles) {
  }

  private Reconciliation() {
  }

  public static List<String> drift(DiskLayout catalog, Observed seen) {
    List<String> out = new ArrayList<>();
    for (String target : catalog.targets()) {
      String want = catalog.active(target);
      String got = seen.active().get(target);
      if (!Objects.equals(want, got)) {
        out.add("disk " + target + ": catalog says the domain uses " + want + ", the host uses " + got);
      }
    }
    for (var e : catalog.files().entrySet()) {
      String file = e.getKey();
      if (!seen.poolFiles().contains(file)) {
        out.add("missing file " + file + " (in the catalog, not on the host)");
        continue;
      }
      String realBacking = seen.backing().get(file);
      // A disk defined from an image reads through it: a file of the host's image directory, outside the pool
      // and outside the catalog (which models the domain's own files only), never written.
      boolean baseImage = e.getValue().backing() == null && realBacking != null && !seen.poolFiles().contains(realBacking);
      if (seen.backing().containsKey(file) && !baseImage && !Objects.equals(e.getValue().backing(), realBacking)) {
        out.add("file " + file + ": catalog backing " + e.getValue().backing() + ", real backing "
            + seen.backing().get(file));
      }
      Set<String> realTags = seen.tags().get(file);
      if (realTags != null && !realTags.equals(e.getValue().tags())) {
        out.add("file " + file + ": catalog internal snapshots " + new TreeSet<>(e.getValue().tags())
            + ", real " + new TreeSet<>(realTags));
      }
    }
    for (String file : new TreeSet<>(seen.poolFiles())) {
      if (!catalog.has(file)) {
        out.add("orphan file " + file + " (on the host, not in the catalog)");
      }
    }
    return out;
  }
}
