package io.virtflow.devstack.bench;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code roundtrip} and {@code throughput}: HTTP commands, start and destroy alternating over many domains,
 * each followed by the client until it sees the terminal status ({@code POST} → 202 → long-poll
 * {@code GET /v1/commands/{id}?waitMs=}). An operation succeeds when its command ended {@code SUCCEEDED}.
 */
public final class Roundtrip {
  private final Bench bench;
  private final List<String> domains;
  private final AtomicLong next = new AtomicLong();
  private final java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();

  private final CompletableFuture<?>[] tails;

  private Roundtrip(Bench bench, List<String> domains) {
    this.bench = bench;
    this.domains = domains;
    this.tails = new CompletableFuture<?>[domains.size()];
    java.util.Arrays.fill(tails, CompletableFuture.completedFuture(null));
  }

  /** Defines {@code count} shut-off domains spread over the hosts. */
  static Roundtrip prepare(Bench bench, int count, int hosts) {
    return new Roundtrip(bench, bench.defineDomains("rt-", count, hosts, 64));
  }

  /**
   * The n-th command goes to domain {@code n mod D}; that domain's commands alternate start, destroy. A
   * domain's next command is sent only once its previous one ended (two commands for one domain in flight
   * on different connections could reach the gateway in either order); the wait counts in its latency,
   * which runs from the command's slot in the schedule.
   */
  CompletionStage<Boolean> command(long ignoredSeq) {
    long n = next.getAndIncrement();
    int index = (int) (n % domains.size());
    String domain = domains.get(index);
    String op = (n / domains.size()) % 2 == 0 ? "start" : "destroy";
    synchronized (tails) {
      CompletableFuture<Boolean> mine = tails[index].handle((v, e) -> null)
          .thenCompose(x -> bench.command("POST", "/v1/domains/" + domain + "/" + op, null))
          .thenApply(s -> {
            boolean ok = "SUCCEEDED".equals(s.getString("status"));
            if (!ok) {
              Bench.reportFailure(failures, op + " " + domain, s.encode());
            }
            return ok;
          }).toCompletableFuture();
      tails[index] = mine;
      return mine;
    }
  }

  LoadGenerator.Run drive(double rate, Duration warmup, Duration duration) {
    return LoadGenerator.run(rate, warmup, duration, this::command);
  }

  /** The roundtrip run, with the one-hop floor measured on the same broker just before it. */
  public static Result roundtrip(Bench bench) throws Exception {
    Bench.Settings s = bench.settings();
    Roundtrip rt = prepare(bench, s.domains(), s.hosts());
    Duration floorDuration = s.duration().compareTo(Duration.ofSeconds(10)) > 0 ? Duration.ofSeconds(10) : s.duration();
    Result floor = KafkaFloor.run(bench.bootstrap(), s.rate(), s.warmup(), floorDuration);
    LoadGenerator.Run run = rt.drive(s.rate(), s.warmup(), s.duration());
    double floorP50 = (double) floor.get("p50Ms");
    Result r = new Result("roundtrip").latencies(run.latencyMicros(), run.opsPerSec())
        .put("rate", s.rate()).put("sent", run.sent()).put("succeeded", run.succeeded()).put("failed", run.failed())
        .put("domains", s.domains()).put("hosts", s.hosts()).put("transport", s.transport().name())
        .put("floorP50Ms", floorP50).put("floorP99Ms", floor.get("p99Ms"));
    double p50 = (double) r.get("p50Ms");
    return r.put("p50OverTwoFloors", floorP50 > 0 ? p50 / (2 * floorP50) : Double.NaN);
  }

  /** Steps the rate up; the answer is the highest step whose p99 stayed under 100 ms with nothing failed. */
  public static Result throughput(Bench bench) {
    Bench.Settings s = bench.settings();
    Roundtrip rt = prepare(bench, s.domains(), s.hosts());
    Result r = new Result("throughput");
    io.vertx.core.json.JsonArray steps = new io.vertx.core.json.JsonArray();
    LoadGenerator.Run best = null;
    double bestRate = 0;
    for (double rate : s.steps()) {
      LoadGenerator.Run run = rt.drive(rate, s.warmup(), s.duration());
      Result step = new Result("step").latencies(run.latencyMicros(), run.opsPerSec()).put("rate", rate)
          .put("sent", run.sent()).put("failed", run.failed());
      System.out.printf("  step %8.0f/s  p50 %8.2f ms  p99 %8.2f ms  max %8.2f ms  done %8.0f/s  failed %d%n", rate,
          step.get("p50Ms"), step.get("p99Ms"), step.get("maxMs"), step.get("opsPerSec"), run.failed());
      steps.add(step.json().copy());
      boolean ok = (double) step.get("p99Ms") < 100 && run.failed() == 0 && run.opsPerSec() >= 0.9 * rate;
      if (ok) {
        best = run;
        bestRate = rate;
      } else {
        break;
      }
    }
    if (best != null) {
      r.latencies(best.latencyMicros(), best.opsPerSec());
    } else {
      r.latencies(new org.HdrHistogram.Histogram(3), 0);
    }
    return r.put("maxRateP99Under100Ms", bestRate).put("domains", s.domains()).put("hosts", s.hosts())
        .put("transport", s.transport().name()).put("steps", steps);
  }
}
