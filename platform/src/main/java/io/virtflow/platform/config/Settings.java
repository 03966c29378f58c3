package io.virtflow.platform.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Typed reads from a flat map of settings (the environment in production, {@code Map.of(...)} in
 * tests). Every bad value is collected, not thrown at once, so that {@link #validate()} names them all.
 */
public final class Settings {
  private final Map<String, String> source;
  private final List<String> problems = new ArrayList<>();

  public Settings(Map<String, String> source) {
    this.source = Map.copyOf(Objects.requireNonNull(source, "source"));
  }

  public static Settings fromEnvironment() {
    return new Settings(System.getenv());
  }

  public String string(String key, String fallback) {
    String v = source.get(key);
    return v == null || v.isBlank() ? fallback : v.trim();
  }

  public String required(String key) {
    String v = string(key, null);
    if (v == null) {
      problems.add(key + " is required");
      return "";
    }
    return v;
  }

  public int integer(String key, int fallback, int min, int max) {
    return (int) longValue(key, fallback, min, max);
  }

  public long longValue(String key, long fallback, long min, long max) {
    String v = string(key, null);
    if (v == null) {
      return fallback;
    }
    try {
      long n = Long.parseLong(v);
      if (n < min || n > max) {
        problems.add(key + "=" + v + " is outside [" + min + ", " + max + "]");
        return fallback;
      }
      return n;
    } catch (NumberFormatException e) {
      problems.add(key + "=" + v + " is not a whole number");
      return fallback;
    }
  }

  /** A duration given in milliseconds. */
  public Duration millis(String key, long fallbackMs, long minMs, long maxMs) {
    return Duration.ofMillis(longValue(key, fallbackMs, minMs, maxMs));
  }

  public boolean bool(String key, boolean fallback) {
    String v = string(key, null);
    if (v == null) {
      return fallback;
    }
    switch (v.toLowerCase(java.util.Locale.ROOT)) {
      case "true", "1", "yes" -> {
        return true;
      }
      case "false", "0", "no" -> {
        return false;
      }
      default -> {
        problems.add(key + "=" + v + " is not true or false");
        return fallback;
      }
    }
  }

  public Path path(String key, Path fallback) {
    String v = string(key, null);
    return v == null ? fallback : Path.of(v);
  }

  /** Records a problem found by the caller's own cross-field checks. */
  public void problem(String message) {
    problems.add(message);
  }

  /** Throws if any read so far found a bad or missing value; the message lists them all. */
  public void validate() {
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
  }

  /** Thrown at start when the configuration is wrong; nothing has been started. */
  public static final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(List<String> problems) {
      super("invalid configuration: " + String.join("; ", problems));
    }
  }
}
