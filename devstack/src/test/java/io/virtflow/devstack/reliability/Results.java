package io.virtflow.devstack.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import io.vertx.core.json.JsonObject;

/** Appends one scenario's counts as a JSON line to {@code target/reliability/results.jsonl}. */
final class Results {
  static final Path FILE = Path.of("target", "reliability", "results.jsonl");

  private Results() {
  }

  static synchronized void append(String scenario, JsonObject counts) {
    JsonObject line = new JsonObject().put("scenario", scenario).put("scale", Scale.name())
        .put("at", java.time.Instant.now().toString()).mergeIn(counts);
    System.out.println("RELIABILITY " + line.encode());
    try {
      Files.createDirectories(FILE.getParent());
      Files.writeString(FILE, line.encode() + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
