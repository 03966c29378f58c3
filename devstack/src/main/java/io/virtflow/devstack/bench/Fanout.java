package io.virtflow.devstack.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import io.vertx.core.json.JsonObject;

/**
 * {@code fanout}: S clients follow {@code GET /v1/events} while commands (start/destroy over a few domains)
 * produce lifecycle events at the given rate. Each delivery's latency is the event's own timestamp
 * ({@code at}, set by the host agent, millisecond resolution) to the moment a client parsed it.
 */
public final class Fanout {
  private Fanout() {
  }

  public static Result run(Bench bench) {
    Bench.Settings s = bench.settings();
    Roundtrip rt = Roundtrip.prepare(bench, Math.max(1, Math.min(s.domains(), 100)), s.hosts());
    Histogram delivery = new ConcurrentHistogram(3);
    AtomicLong received = new AtomicLong();
    // Only events stamped at or after this count: the warm-up's events may still be on their way.
    AtomicLong recordFrom = new AtomicLong(Long.MAX_VALUE);
    List<CompletableFuture<Void>> connected = new ArrayList<>();
    for (int i = 0; i < s.subscribers(); i++) {
      connected.add(bench.api().sse("/v1/events", data -> {
        long now = System.currentTimeMillis();
        long at = Instant.parse(new JsonObject(data).getString("at")).toEpochMilli();
        if (at >= recordFrom.get()) {
          delivery.recordValue(Math.max(1, (now - at) * 1000));
          received.incrementAndGet();
        }
      }).toCompletableFuture());
    }
    CompletableFuture.allOf(connected.toArray(CompletableFuture[]::new)).join();
    // Warm-up without recording, then the measured run.
    if (!s.warmup().isZero()) {
      rt.drive(s.rate(), java.time.Duration.ZERO, s.warmup());
    }
    Bench.sleep(100);
    recordFrom.set(System.currentTimeMillis());
    LoadGenerator.Run run = rt.drive(s.rate(), java.time.Duration.ZERO, s.duration());
    long expected = run.succeeded() * s.subscribers();
    long until = System.nanoTime() + 30_000_000_000L;
    while (received.get() < expected && System.nanoTime() < until) {
      Bench.sleep(20);
    }
    Bench.sleep(200);
    double seconds = run.seconds();
    return new Result("fanout").latencies(delivery, received.get() / seconds).put("subscribers", s.subscribers())
        .put("events", run.succeeded()).put("expectedDeliveries", expected).put("deliveries", received.get())
        .put("commandRate", s.rate()).put("commandP99Ms", Result.ms(run.latencyMicros().getValueAtPercentile(99)));
  }
}
