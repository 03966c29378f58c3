package io.virtflow.agent.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The agent's start counter, kept in {@code <dataDir>/agent.epoch}: every start takes the next number, so
 * that observers of the heartbeat can tell a restarted agent from a live one, and an older instance of
 * the host can be fenced off by a newer one.
 */
public final class AgentEpoch {
  public static final String FILE = "agent.epoch";

  private AgentEpoch() {
  }

  /** Reads the last epoch (0 when there is none), durably stores the next one and returns it. */
  public static long next(Path dataDir) throws IOException {
    return next(dataDir, 0);
  }

  /**
   * Like {@link #next(Path)}, but above {@code seenElsewhere} too (the highest epoch any instance of the
   * host published): a fresh data directory still takes an epoch above every older instance.
   */
  public static long next(Path dataDir, long seenElsewhere) throws IOException {
    Path file = dataDir.resolve(FILE);
    long last = 0;
    if (Files.exists(file)) {
      String text = Files.readString(file, StandardCharsets.UTF_8).trim();
      try {
        last = Long.parseLong(text);
      } catch (NumberFormatException e) {
        throw new IOException(file + " does not hold an epoch number: '" + text + "'", e);
      }
    }
    long next = Math.max(last, seenElsewhere) + 1;
    AtomicFile.write(file, Long.toString(next).getBytes(StandardCharsets.UTF_8));
    return next;
  }
}
