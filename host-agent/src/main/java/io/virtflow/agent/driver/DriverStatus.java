package io.virtflow.agent.driver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

import io.virtflow.agent.domain.ImageNames;

/**
 * The driver's view of its hypervisor, for the heartbeat, {@code /v1/hosts} and health.
 *
 * @param connected whether calls can reach the hypervisor now
 * @param message why not, or what it is connected to
 * @param facts what the host reports about its hypervisor ({@code uri}, {@code domainType}, {@code
 *     foreignDomains}, ...): small strings, shown as they are
 * @param vcpus the hypervisor's CPUs, 0 when the agent's configuration says
 * @param memoryMiB the hypervisor's memory, 0 when the agent's configuration says
 * @param images the files of the host's image directory a definition may name
 */
public record DriverStatus(boolean connected, String message, Map<String, String> facts, int vcpus, long memoryMiB,
    List<String> images) {
  public DriverStatus {
    Objects.requireNonNull(message, "message");
    facts = Map.copyOf(facts);
    images = List.copyOf(images);
  }

  /**
   * The files of an image directory a definition may name (relative, sorted; hidden files and directories'
   * own entries left out); empty when there is none.
   */
  public static List<String> imagesIn(Path dir) {
    if (dir == null) {
      return List.of();
    }
    // The heartbeat asks every few seconds, from the agent's context: the listing is kept for a while.
    long now = System.nanoTime();
    Listing last = LISTINGS.get(dir);
    if (last != null && now - last.at() < LISTING_TTL_NANOS) {
      return last.files();
    }
    List<String> files = list(dir);
    LISTINGS.put(dir, new Listing(now, files));
    return files;
  }

  private record Listing(long at, List<String> files) {
  }

  private static final long LISTING_TTL_NANOS = 5_000_000_000L;
  private static final java.util.Map<Path, Listing> LISTINGS = new java.util.concurrent.ConcurrentHashMap<>();

  private static List<String> list(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(dir, 4)) {
      return files.filter(Files::isRegularFile).map(f -> dir.relativize(f).toString())
          .filter(ImageNames::isValid).sorted().limit(1_000).toList();
    } catch (IOException | UncheckedIOException e) {
      return List.of();
    }
  }
}
