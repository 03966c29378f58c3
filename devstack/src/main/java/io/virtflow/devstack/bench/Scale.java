package io.virtflow.devstack.bench;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code scale}: H hosts × D domains each (memory disks, real host agents in this JVM). Measures the
 * gateway's retained heap (heap after GC with the gateway, minus heap after GC with it stopped), the time a
 * restarted gateway takes to rebuild its views from the topics until it answers, and the latency of
 * {@code GET /v1/domains} (all of them) and of {@code GET /v1/domains/{id}} (one).
 */
public final class Scale {
  private Scale() {
  }

  public static Result run(Bench bench) {
    Bench.Settings s = bench.settings();
    int total = s.hosts() * s.domains();
    long t0 = System.nanoTime();
    List<String> ids = bench.defineDomains("scale-", total, s.hosts(), 128);
    double defineSeconds = (System.nanoTime() - t0) / 1e9;
    System.err.printf("bench scale: %d domains defined in %.1f s%n", total, defineSeconds);
    Result r = new Result("scale");
    // A page of 100 (what a UI or a CLI asks for), from any place in the list.
    String[] cursors = pageCursors(bench, 100, total);
    System.err.printf("bench scale: %d page cursors%n", cursors.length);
    LoadGenerator.Run page = LoadGenerator.run(s.rate(), s.warmup(), s.duration(), seq -> {
      String after = cursors[(int) (seq % cursors.length)];
      return bench.api().get("/v1/domains?limit=100" + (after == null ? "" : "&after=" + after))
          .thenApply(a -> a.status() == 200 && a.json().getJsonArray("domains").size() == Math.min(100, total));
    });
    LoadGenerator.Run one = LoadGenerator.run(s.rate(), s.warmup(), s.duration(), seq -> bench.api()
        .get("/v1/domains/" + ids.get((int) (seq % ids.size()))).thenApply(a -> a.status() == 200));
    r.latencies(one.latencyMicros(), one.opsPerSec());
    // The list of every domain is megabytes of JSON: a few per second.
    double listRate = Math.min(s.rate(), 5);
    LoadGenerator.Run list = LoadGenerator.run(listRate, Duration.ZERO, s.duration(), seq -> bench.api()
        .get("/v1/domains").thenApply(a -> a.status() == 200 && a.json().getJsonArray("domains").size() >= total));
    System.err.println("bench scale: GET latencies measured");
    r.latencies("list", list.latencyMicros()).put("listOpsPerSec", list.opsPerSec()).put("listFailed", list.failed());
    r.latencies("page100", page.latencyMicros()).put("page100Failed", page.failed());
    r.put("hosts", s.hosts()).put("domainsPerHost", s.domains()).put("domains", total)
        .put("defineSeconds", defineSeconds).put("oneFailed", one.failed());
    if (bench.stack() == null) {
      return r.put("gatewayHeapMiB", null).put("rebuildSeconds", null);
    }
    long withGateway = heapAfterGc();
    System.err.println("bench scale: heap measured, restarting the gateway");
    long[] without = new long[1];
    long[] restartAt = new long[1];
    bench.stack().restartGateway(() -> {
      without[0] = heapAfterGc();
      System.err.println("bench scale: gateway stopped, heap measured, starting it");
      restartAt[0] = System.nanoTime();
    });
    double rebuildSeconds = (System.nanoTime() - restartAt[0]) / 1e9;
    int seen = Bench.join(bench.api().get("/v1/domains")).json().getJsonArray("domains").size();
    long afterRebuild = heapAfterGc();
    return r.put("gatewayHeapMiB", (withGateway - without[0]) / 1048576.0)
        .put("gatewayHeapAfterRebuildMiB", (afterRebuild - without[0]) / 1048576.0)
        .put("jvmHeapAfterGcMiB", afterRebuild / 1048576.0)
        .put("rebuildSeconds", rebuildSeconds).put("domainsAfterRebuild", seen);
  }

  /** The {@code after} of every full page of {@code size} (null: the first page), walking the list once. */
  private static String[] pageCursors(Bench bench, int size, int total) {
    List<String> out = new ArrayList<>();
    out.add(null);
    String after = null;
    while (true) {
      var page = Bench.join(bench.api().get("/v1/domains?limit=" + size + (after == null ? "" : "&after=" + after))
          .toCompletableFuture().orTimeout(60, java.util.concurrent.TimeUnit.SECONDS)).json();
      after = page.getString("next");
      if (after == null || (out.size() + 1) * size > total) {
        break;
      }
      out.add(after);
    }
    return out.toArray(new String[0]);
  }

  /** Heap in use after a full collection (the JVM runs {@code System.gc()} as a full GC with G1). */
  static long heapAfterGc() {
    var memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      memory.gc();
      CompletableFuture.runAsync(() -> { }).join();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
