package io.virtflow.platform.health;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.vertx.core.json.JsonObject;

/**
 * The named checks a service reports at {@code /health}. The service is up when every check is.
 */
public final class Health {

  /** One check's answer. */
  public record Check(boolean up, String detail) {
    public static Check up(String detail) {
      return new Check(true, detail);
    }

    public static Check down(String detail) {
      return new Check(false, detail);
    }
  }

  private final String service;
  private final Map<String, Supplier<Check>> checks = new ConcurrentHashMap<>();

  public Health(String service) {
    this.service = service;
  }

  public Health register(String name, Supplier<Check> check) {
    checks.put(name, check);
    return this;
  }

  public Health merge(Health other) {
    other.checks.forEach((name, check) -> checks.put(other.service + "." + name, check));
    return this;
  }

  public boolean isUp() {
    return checks.values().stream().allMatch(c -> safe(c).up());
  }

  public JsonObject report() {
    Map<String, Object> details = new LinkedHashMap<>();
    boolean up = true;
    for (var entry : new java.util.TreeMap<>(checks).entrySet()) {
      Check c = safe(entry.getValue());
      up &= c.up();
      details.put(entry.getKey(), new JsonObject().put("status", c.up() ? "UP" : "DOWN").put("detail", c.detail()));
    }
    return new JsonObject().put("service", service).put("status", up ? "UP" : "DOWN")
        .put("checks", new JsonObject(details));
  }

  private static Check safe(Supplier<Check> check) {
    try {
      return check.get();
    } catch (RuntimeException e) {
      return Check.down("check failed: " + e);
    }
  }
}
