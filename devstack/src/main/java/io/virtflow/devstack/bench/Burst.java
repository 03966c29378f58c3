package io.virtflow.devstack.bench;

import java.util.concurrent.CompletableFuture;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import io.vertx.core.json.JsonObject;

/**
 * {@code burst}: N domains defined and started at once over H hosts (memory disks), as fast as the
 * stack takes them; the figure is the seconds from the first request until {@code GET /v1/domains} shows
 * every one {@code RUNNING}. Each domain's own define → start → RUNNING time goes into the histogram.
 */
public final class Burst {
  private Burst() {
  }

  public static Result run(Bench bench) {
    Bench.Settings s = bench.settings();
    int n = s.domains();
    Histogram perDomain = new ConcurrentHistogram(3);
    String prefix = "burst-" + Long.toString(System.nanoTime(), 36) + "-";
    long start = System.nanoTime();
    // Enough in flight to keep every host's queue busy; the client's own pool bounds it further.
    var results = Bench.runAll(n, Math.max(64, s.connections()), i -> {
      long t0 = System.nanoTime();
      return bench.command("POST", "/v1/domains", Bench.domainJson(prefix + i, null, 1)).thenCompose(def -> {
        if (!"SUCCEEDED".equals(def.getString("status"))) {
          return CompletableFuture.completedFuture(false);
        }
        return bench.command("POST", "/v1/domains/" + def.getString("domainId") + "/start", null)
            .thenApply(st -> {
              boolean ok = "SUCCEEDED".equals(st.getString("status"));
              if (ok) {
                perDomain.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
              }
              return ok;
            });
      });
    });
    long running = 0;
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline) {
      running = bench.api().get("/v1/domains").toCompletableFuture().join().json().getJsonArray("domains").stream()
          .filter(d -> ((JsonObject) d).getString("name").startsWith(prefix)
              && "RUNNING".equals(((JsonObject) d).getString("state")))
          .count();
      if (running >= n) {
        break;
      }
      Bench.sleep(20);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    long failed = results.stream().filter(ok -> !ok).count();
    return new Result("burst").latencies(perDomain, n / seconds).put("seconds", seconds).put("domains", n)
        .put("hosts", s.hosts()).put("running", running).put("failed", failed)
        .put("domainsPerSec", n / seconds);
  }
}
