package io.virtflow.agent.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The agent's start counter, kept in {@code <dataDir>/agent.epoch}: every start takes the next number, so
 * that observers of the heartbeat can tell a restarted agent from a live one.
 */
public final class AgentEpoch {
  public static final String FILE = "agent.epoch";

  private AgentEpoch() {
  }

  /** Reads the last epoch (0 when there is none), durably stores the next one and returns it. */
  public static long next(Path dataDir) throws IOException {
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
    long next = last + 1;
    AtomicFile.write(file, Long.toString(next).getBytes(StandardCharsets.UTF_8));
    return next;
  }
}
