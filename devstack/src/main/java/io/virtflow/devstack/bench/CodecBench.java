package io.virtflow.devstack.bench;

import java.time.Duration;
import java.util.Collection;

import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import io.vertx.core.json.JsonObject;

/**
 * {@code codec}: runs {@link CodecBenchmark} with the JMH runner in this process' class path. The figures
 * are each operation's mean nanoseconds per record ({@code encodeCommandNs} ...) and the median of its
 * iterations' means ({@code encodeCommandMedianNs}). The common fields are taken
 * from the slowest of the four: {@code p50Ms}/{@code p99Ms}/{@code maxMs} over its measurement iterations'
 * means, {@code opsPerSec} = records per second on one thread.
 */
public final class CodecBench {
  private CodecBench() {
  }

  public static Result run(Bench.Settings s) throws Exception {
    int iterations = Math.max(1, s.iterations());
    Duration each = s.duration().dividedBy(iterations);
    Options options = new OptionsBuilder().include(CodecBenchmark.class.getName() + ".*")
        .forks(s.forks()).threads(1)
        .warmupIterations(s.warmup().isZero() ? 0 : iterations).warmupTime(time(s.warmup().dividedBy(iterations)))
        .measurementIterations(iterations).measurementTime(time(each))
        .shouldFailOnError(true).build();
    Collection<RunResult> results = new Runner(options).run();
    Result r = new Result("codec");
    JsonObject perOp = new JsonObject();
    RunResult slowest = null;
    for (RunResult rr : results) {
      String name = rr.getParams().getBenchmark();
      name = name.substring(name.lastIndexOf('.') + 1);
      double ns = rr.getPrimaryResult().getScore();
      perOp.put(name + "Ns", Result.round(ns));
      // The median iteration: on a shared machine a stolen time slice inflates a mean, rarely a median.
      perOp.put(name + "MedianNs", Result.round(rr.getPrimaryResult().getStatistics().getPercentile(50)));
      if (slowest == null || ns > slowest.getPrimaryResult().getScore()) {
        slowest = rr;
      }
    }
    if (slowest == null) {
      throw new IllegalStateException("JMH ran no benchmark (is META-INF/BenchmarkList in the jar?)");
    }
    var stats = slowest.getPrimaryResult().getStatistics();
    double slowestNs = slowest.getPrimaryResult().getScore();
    r.put("p50Ms", stats.getPercentile(50) / 1e6).put("p99Ms", stats.getPercentile(99) / 1e6)
        .put("p999Ms", stats.getPercentile(99.9) / 1e6).put("maxMs", stats.getMax() / 1e6)
        .put("opsPerSec", 1e9 / slowestNs);
    perOp.forEach(e -> r.put(e.getKey(), e.getValue()));
    String slowestName = slowest.getParams().getBenchmark();
    return r.put("slowest", slowestName.substring(slowestName.lastIndexOf('.') + 1)).put("slowestNs", slowestNs)
        .put("forks", s.forks()).put("iterations", iterations);
  }

  private static TimeValue time(Duration d) {
    return TimeValue.milliseconds(Math.max(100, d.toMillis()));
  }
}
