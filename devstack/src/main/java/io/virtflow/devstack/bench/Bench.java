package io.virtflow.devstack.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.function.IntFunction;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtflow.devstack.DevStack;

/**
 * What a scenario runs against: the embedded {@link DevStack} started for this run (unless {@code --url}
 * names a gateway), the {@link ApiClient} every HTTP call goes through, and the Kafka bootstrap address.
 */
public final class Bench implements AutoCloseable {
  /** The runner's settings (the command line's options). */
  public record Settings(String scenario, double rate, Duration duration, Duration warmup, int hosts,
      int domains, int subscribers, int iterations, int diskGiB, String url, String bootstrap, String token,
      ApiClient.Transport transport, int connections, Path dataDir, int forks, List<Double> steps) {
  }

  private final Settings settings;
  private final DevStack stack;
  private final ApiClient api;
  private final String bootstrap;
  /** The temporary data dir this run made (removed on close), or null. */
  private Path ownDir;

  private Bench(Settings settings, DevStack stack, ApiClient api, String bootstrap) {
    this.settings = settings;
    this.stack = stack;
    this.api = api;
    this.bootstrap = bootstrap;
  }

  /**
   * Starts the embedded stack with {@code hosts} agents and the settings a benchmark needs (or connects to
   * {@code --url}), and waits until every host is UP.
   */
  public static Bench open(Settings s, int hosts, Map<String, String> env) throws Exception {
    if (s.url() != null) {
      ApiClient api = new ApiClient(s.url(), s.token(), s.transport(), s.connections());
      return new Bench(s, null, api, s.bootstrap());
    }
    Map<String, String> extra = new HashMap<>();
    // The gateway rate-limits each principal (200/s by default): a benchmark is one principal.
    extra.put("VIRTFLOW_RATE_LIMIT_PER_SEC", "1000000");
    extra.put("VIRTFLOW_SIM_LATENCY_MS", "0");
    extra.put("VIRTFLOW_SIM_DISK_BACKEND", "memory");
    extra.putAll(env);
    Path dir = s.dataDir() != null ? s.dataDir() : Files.createTempDirectory("virtflow-bench-");
    String namespace = "bench-" + UUID.randomUUID().toString().substring(0, 8);
    DevStack stack = DevStack.start(new DevStack.Options(hosts, 0, 0, dir, s.bootstrap(), namespace, 0, extra));
    // The embedded stack's own admin token, unless --token-file names another.
    ApiClient api = new ApiClient(stack.httpUrl(), s.token() != null ? s.token() : stack.adminToken(), s.transport(),
        s.connections());
    Bench bench = new Bench(s, stack, api, stack.bootstrap());
    bench.ownDir = s.dataDir() == null ? dir : null;
    try {
      bench.awaitHostsUp(hosts);
    } catch (RuntimeException e) {
      bench.close();
      throw e;
    }
    return bench;
  }

  public Settings settings() {
    return settings;
  }

  /** The embedded stack, or null when the runner was pointed at {@code --url}. */
  public DevStack stack() {
    return stack;
  }

  public ApiClient api() {
    return api;
  }

  public String bootstrap() {
    if (bootstrap == null) {
      throw new IllegalStateException("this scenario needs Kafka: give --bootstrap with --url");
    }
    return bootstrap;
  }

  /** The same stack and client with other settings (several scenarios on one stack); close only the original. */
  Bench withSettings(Settings other) {
    return new Bench(other, stack, api, bootstrap);
  }

  void awaitHostsUp(int hosts) {
    long until = System.nanoTime() + Duration.ofSeconds(60 + hosts).toNanos();
    while (System.nanoTime() < until) {
      ApiClient.Response r = join(api.get("/v1/hosts"));
      if (r.status() == 200) {
        long up = r.json().getJsonArray("hosts").stream().filter(h -> "UP".equals(((JsonObject) h).getString("status")))
            .count();
        if (up >= hosts) {
          return;
        }
      }
      sleep(100);
    }
    throw new IllegalStateException(hosts + " hosts did not come UP");
  }

  /** Submits a command and follows it to its terminal status document (null if it was not accepted). */
  public CompletionStage<JsonObject> command(String method, String path, String json) {
    return api.send(method, path, json).thenCompose(r -> {
      if (r.status() != 202) {
        return CompletableFuture.completedFuture(new JsonObject().put("status", "HTTP_" + r.status())
            .put("message", r.body()));
      }
      JsonObject accepted = r.json();
      return awaitTerminal(accepted.getString("commandId")).thenApply(s -> s.put("domainId",
          s.getString("domainId") != null ? s.getString("domainId") : accepted.getString("domainId")));
    });
  }

  /** Long-polls {@code GET /v1/commands/{id}?waitMs=} until the command is terminal. */
  public CompletionStage<JsonObject> awaitTerminal(String commandId) {
    return api.get("/v1/commands/" + commandId + "?waitMs=10000").thenCompose(r -> {
      if (r.status() == 200) {
        JsonObject s = r.json();
        if (Boolean.TRUE.equals(s.getBoolean("terminal"))) {
          return CompletableFuture.completedFuture(s);
        }
      } else if (r.status() != 404) {
        return CompletableFuture.completedFuture(new JsonObject().put("status", "HTTP_" + r.status()));
      }
      return awaitTerminal(commandId);
    });
  }

  /**
   * Defines {@code count} domains (memory {@code memoryMiB}, one disk of {@code diskGiB}) spread evenly over
   * the hosts, at most {@code inFlight} at once, and returns their ids once every define succeeded.
   */
  public List<String> defineDomains(String name, int count, int hosts, int inFlight) {
    // Names are unique per run: several scenarios may share one stack.
    String prefix = name + Long.toString(System.nanoTime() % 1_000_000_000L, 36) + "-";
    return runAll(count, inFlight, i -> command("POST", "/v1/domains", domainJson(prefix + i, hosts == 0 ? null
        : "host-" + (i % hosts + 1), 1)).thenApply(s -> {
          if (!"SUCCEEDED".equals(s.getString("status"))) {
            throw new IllegalStateException("define " + prefix + i + " ended " + s.encode());
          }
          return s.getString("domainId");
        }));
  }

  static String domainJson(String name, String host, int disks) {
    JsonArray d = new JsonArray();
    for (int i = 0; i < disks; i++) {
      d.add(new JsonObject().put("target", "vd" + (char) ('a' + i)).put("sizeGiB", 1));
    }
    JsonObject o = new JsonObject().put("name", name).put("vcpus", 1).put("memoryMiB", 64).put("disks", d);
    if (host != null) {
      o.put("host", host);
    }
    return o.encode();
  }

  /** Runs {@code count} operations, at most {@code inFlight} at once; results in index order. */
  public static <T> List<T> runAll(int count, int inFlight, IntFunction<CompletionStage<T>> op) {
    Semaphore permits = new Semaphore(inFlight);
    List<CompletableFuture<T>> all = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      permits.acquireUninterruptibly();
      CompletableFuture<T> f = op.apply(i).toCompletableFuture();
      f.whenComplete((v, e) -> permits.release());
      all.add(f);
    }
    List<T> out = new ArrayList<>(count);
    for (CompletableFuture<T> f : all) {
      out.add(f.join());
    }
    return out;
  }

  /** Prints the first few failures of a run to stderr, so that a failed count comes with its reason. */
  static void reportFailure(java.util.concurrent.atomic.AtomicInteger shown, String what, Object detail) {
    if (shown.incrementAndGet() <= 5) {
      System.err.println("bench: " + what + " failed: " + detail);
    }
  }

  static <T> T join(CompletionStage<T> stage) {
    return stage.toCompletableFuture().join();
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    api.close();
    if (stack != null) {
      stack.close();
    }
    if (ownDir != null) {
      deleteTree(ownDir);
    }
  }

  static void deleteTree(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException e) {
      System.err.println("bench: could not remove " + dir + ": " + e.getMessage());
    }
  }
}
