package io.virtflow.devstack.bench;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Drives one operation at a fixed rate and records each latency from the operation's <em>intended</em>
 * start (its slot in the schedule), not from when it was really sent: when the system stalls and the
 * generator falls behind, the operations it could not send on time are charged for the wait
 * (coordinated-omission correction by construction; {@code recordValueWithExpectedInterval} is not needed).
 * Latencies are recorded in microseconds.
 */
public final class LoadGenerator {
  /** One run's outcome: latencies of the operations that succeeded, and the counts. */
  public record Run(Histogram latencyMicros, long sent, long succeeded, long failed, double seconds) {
    public double opsPerSec() {
      return seconds <= 0 ? 0 : succeeded / seconds;
    }
  }

  private LoadGenerator() {
  }

  /**
   * Runs {@code op} (given its sequence number; it answers whether it succeeded) at {@code rate} per second,
   * first for {@code warmup} without recording, then for {@code duration}; waits for the stragglers.
   */
  public static Run run(double rate, Duration warmup, Duration duration, LongFunction<CompletionStage<Boolean>> op) {
    if (!warmup.isZero()) {
      schedule(rate, warmup, op, 0, null);
    }
    return schedule(rate, duration, op, Math.round(rate * warmup.toNanos() / 1e9), new ConcurrentHistogram(3));
  }

  private static Run schedule(double rate, Duration duration, LongFunction<CompletionStage<Boolean>> op, long firstSeq,
      Histogram histogram) {
    long period = Math.max(1, Math.round(1e9 / rate));
    long count = Math.max(1, duration.toNanos() / period);
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    Phaser pending = new Phaser(1);
    long start = System.nanoTime();
    for (long i = 0; i < count; i++) {
      long intended = start + i * period;
      long wait;
      while ((wait = intended - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      pending.register();
      CompletionStage<Boolean> stage;
      try {
        stage = op.apply(firstSeq + i);
      } catch (RuntimeException e) {
        failed.incrementAndGet();
        pending.arriveAndDeregister();
        continue;
      }
      stage.whenComplete((success, error) -> {
        long latency = System.nanoTime() - intended;
        if (error == null && Boolean.TRUE.equals(success)) {
          ok.incrementAndGet();
          if (histogram != null) {
            histogram.recordValue(Math.max(1, latency / 1000));
          }
        } else {
          failed.incrementAndGet();
        }
        pending.arriveAndDeregister();
      });
    }
    try {
      pending.awaitAdvanceInterruptibly(pending.arrive(), 120, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.TimeoutException e) {
      // counted below: sent but neither succeeded nor failed
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    return new Run(histogram == null ? new Histogram(3) : histogram, count, ok.get(), failed.get(), seconds);
  }
}
