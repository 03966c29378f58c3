package io.virtflow.agent.disk;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One image as {@code qemu-img info --output=json} describes it: the fields the agent decides on.
 *
 * @param backing the backing file as an absolute, normalized path (a relative reference is resolved
 *     against the image's directory, as qemu does); null when the image stands alone
 * @param tags the names of its internal snapshots, in the image's order
 */
public record ImageInfo(Path file, String format, long virtualSize, Path backing, List<String> tags) {

  public ImageInfo {
    Objects.requireNonNull(file, "file");
    tags = List.copyOf(tags);
  }

  /** Reads one element of qemu-img's JSON (an object, or one element of a {@code --backing-chain} array). */
  static ImageInfo of(JsonNode n) {
    Path file = Path.of(n.path("filename").asText()).toAbsolutePath().normalize();
    Path backing = null;
    String full = text(n, "full-backing-filename");
    String raw = text(n, "backing-filename");
    if (full != null) {
      backing = Path.of(full);
    } else if (raw != null) {
      backing = file.resolveSibling(raw);
    }
    List<String> tags = new ArrayList<>();
    for (JsonNode s : n.path("snapshots")) {
      tags.add(s.path("name").asText());
    }
    return new ImageInfo(file, text(n, "format"), n.path("virtual-size").asLong(),
        backing == null ? null : backing.toAbsolutePath().normalize(), tags);
  }

  public boolean hasTag(String tag) {
    return tags.contains(tag);
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
  }
}
