package io.virtflow.devstack.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.HdrHistogram.Histogram;

import io.vertx.core.json.JsonObject;

/**
 * What one scenario measured: the common fields ({@code scenario p50Ms p99Ms p999Ms maxMs opsPerSec}) and
 * the scenario's own, in insertion order, printed as text and written as JSON.
 */
public final class Result {
  private final Map<String, Object> fields = new LinkedHashMap<>();

  public Result(String scenario) {
    fields.put("scenario", scenario);
  }

  /** The percentiles of a histogram of microseconds, in milliseconds, and the rate. */
  public Result latencies(Histogram micros, double opsPerSec) {
    return latencies("", micros).put("opsPerSec", round(opsPerSec));
  }

  /** The percentiles of a histogram of microseconds under {@code prefix} (the common names when empty). */
  public Result latencies(String prefix, Histogram micros) {
    put(name(prefix, "p50Ms"), ms(micros.getValueAtPercentile(50)));
    put(name(prefix, "p99Ms"), ms(micros.getValueAtPercentile(99)));
    put(name(prefix, "p999Ms"), ms(micros.getValueAtPercentile(99.9)));
    put(name(prefix, "maxMs"), ms(micros.getMaxValue()));
    return put(name(prefix, "count"), micros.getTotalCount());
  }

  private static String name(String prefix, String field) {
    return prefix.isEmpty() ? field : prefix + Character.toUpperCase(field.charAt(0)) + field.substring(1);
  }

  public Result put(String key, Object value) {
    fields.put(key, value instanceof Double d ? round(d) : value);
    return this;
  }

  public Object get(String key) {
    return fields.get(key);
  }

  public JsonObject json() {
    return new JsonObject(new LinkedHashMap<>(fields));
  }

  static double ms(long micros) {
    return round(micros / 1000.0);
  }

  static double round(double v) {
    return Math.round(v * 1e6) / 1e6;
  }

  /** One line per field, for the terminal. */
  public String text() {
    StringBuilder b = new StringBuilder();
    fields.forEach((k, v) -> b.append(String.format("  %-22s %s%n", k, v)));
    return b.toString();
  }

  public void write(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(file, json().encodePrettily() + "\n");
  }
}
