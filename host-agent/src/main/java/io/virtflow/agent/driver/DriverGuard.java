package io.virtflow.agent.driver;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.virtflow.agent.domain.Fault;

/**
 * The one way to call the hypervisor: every call runs on the guard's own threads under a circuit breaker,
 * a bulkhead and a time limit (Resilience4j, around the call's {@code CompletionStage}).
 *
 * <p>Invariants:
 * <ul>
 *   <li>Only driver failures count against the breaker ({@link Fault#DRIVER_ERROR}, {@link Fault#INTERNAL},
 *       a time-out, a full bulkhead, any unexpected exception). A domain's refusal ({@code OPERATION_INVALID},
 *       {@code NO_DOMAIN}, {@code INVALID_ARG} ...) is the driver answering: it counts as a success.</li>
 *   <li>While the breaker is open a call fails at once with {@code DRIVER_ERROR} and never reaches the driver;
 *       after the wait a few calls probe it (half-open) and it closes by itself if they succeed.</li>
 *   <li>A call that outlives its time limit ends with {@code TIMEOUT}; its thread is not interrupted (a driver
 *       cut off mid-change could leave half a change) and keeps its bulkhead permit until the driver really
 *       returns: hung calls use up the bulkhead, not the agent's worker pool.</li>
 *   <li>Nothing is retried here: most calls are not idempotent.</li>
 * </ul>
 * Every failure reaches the caller as a {@link HypervisorException}. Reads ({@link #read}) are bounded by the
 * bulkhead and the time limit but are not counted by the breaker: they are cheap and succeed when mutations
 * fail, so counting them would hide a broken driver.
 */
public final class DriverGuard implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DriverGuard.class);

  /**
   * @param timeout how long one call may take
   * @param maxConcurrentCalls the bulkhead: driver calls at once (the concurrent-domain bound)
   * @param waitInOpen how long the breaker stays open before probing the driver again
   */
  public record Settings(Duration timeout, int maxConcurrentCalls, Duration waitInOpen) {
    /** Tuned for one agent: a window of 10 calls, judged from 5, opens at 50 % failures. */
    static final int WINDOW = 10;
    static final int MINIMUM_CALLS = 5;
    static final float FAILURE_RATE = 50f;
    static final int HALF_OPEN_CALLS = 2;
  }

  private final String hostId;
  private final Settings settings;
  private final CircuitBreaker breaker;
  private final Bulkhead bulkhead;
  private final TimeLimiter limiter;
  private final ExecutorService calls;
  private final ScheduledExecutorService timer;

  public DriverGuard(String hostId, Settings settings, Clock clock) {
    this.hostId = hostId;
    this.settings = settings;
    this.breaker = CircuitBreaker.of("driver-" + hostId, CircuitBreakerConfig.custom()
        .slidingWindow(Settings.WINDOW, Settings.MINIMUM_CALLS, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .failureRateThreshold(Settings.FAILURE_RATE)
        .waitDurationInOpenState(settings.waitInOpen())
        .permittedNumberOfCallsInHalfOpenState(Settings.HALF_OPEN_CALLS)
        .recordException(DriverGuard::isDriverFailure)
        .clock(clock)
        .build());
    this.bulkhead = Bulkhead.of("driver-" + hostId, BulkheadConfig.custom()
        .maxConcurrentCalls(settings.maxConcurrentCalls())
        .maxWaitDuration(Duration.ZERO)
        .build());
    // cancelRunningFuture off: the time-out must not complete the driver's own stage, which holds the permit.
    this.limiter = TimeLimiter.of("driver-" + hostId, TimeLimiterConfig.custom()
        .timeoutDuration(settings.timeout())
        .cancelRunningFuture(false)
        .build());
    // Unbounded in principle, bounded by the bulkhead: a thread exists only while it holds a permit.
    this.calls = Executors.newCachedThreadPool(named("virtflow-driver-" + hostId));
    this.timer = Executors.newSingleThreadScheduledExecutor(named("virtflow-driver-timer-" + hostId));
    // resilience4j_circuitbreaker_state{name="driver-<hostId>"} and friends on the agent's /metrics.
    io.virtflow.platform.metrics.Metrics.process().bind(breaker);
    breaker.getEventPublisher().onStateTransition(e -> LOG.warn("{}: hypervisor driver circuit breaker {} -> {}",
        hostId, e.getStateTransition().getFromState(), e.getStateTransition().getToState()));
  }

  /** A call that acts (or may act) on the hypervisor; {@code what} names it in messages ("start", "runStep"). */
  public <T> CompletionStage<T> call(String what, Supplier<T> call) {
    Supplier<CompletionStage<T>> guarded = CircuitBreaker.decorateCompletionStage(breaker, limited(what, call));
    return translate(what, guarded);
  }

  /** A read (lookup): time limit and bulkhead, not counted by the breaker. */
  public <T> CompletionStage<T> read(String what, Supplier<T> call) {
    return translate(what, limited(what, call));
  }

  private <T> Supplier<CompletionStage<T>> limited(String what, Supplier<T> call) {
    Supplier<CompletionStage<T>> run = () -> CompletableFuture.supplyAsync(call, calls);
    return limiter.decorateCompletionStage(timer, Bulkhead.decorateCompletionStage(bulkhead, run));
  }

  private <T> CompletionStage<T> translate(String what, Supplier<CompletionStage<T>> guarded) {
    CompletionStage<T> stage;
    try {
      stage = guarded.get();
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    // Completed by hand, not with handle(): that would wrap the HypervisorException in a CompletionException.
    CompletableFuture<T> out = new CompletableFuture<>();
    stage.whenComplete((result, error) -> {
      if (error == null) {
        out.complete(result);
      } else {
        out.completeExceptionally(translated(what, unwrap(error)));
      }
    });
    return out;
  }

  private HypervisorException translated(String what, Throwable e) {
    if (e instanceof HypervisorException h) {
      return h;
    }
    if (e instanceof CallNotPermittedException) {
      CircuitBreaker.Metrics m = breaker.getMetrics();
      return new HypervisorException(Fault.DRIVER_ERROR, "hypervisor driver unavailable: circuit breaker open after "
          + m.getNumberOfFailedCalls() + " failures in the last " + m.getNumberOfBufferedCalls() + " calls; retrying in ~"
          + seconds(settings.waitInOpen()) + " s");
    }
    if (e instanceof TimeoutException) {
      return HypervisorException.failed(Fault.TIMEOUT, "hypervisor call " + what + " did not return within "
          + settings.timeout().toMillis() + " ms; whether it took effect shows in the domain's version");
    }
    if (e instanceof BulkheadFullException) {
      return new HypervisorException(Fault.DRIVER_ERROR, "hypervisor driver busy: all "
          + settings.maxConcurrentCalls() + " driver calls are taken (calls that timed out may still hang there)");
    }
    LOG.error("{}: driver failed on {}: {}", hostId, what, e.toString(), e);
    return new HypervisorException(Fault.DRIVER_ERROR, "driver failed: " + e);
  }

  /** What the breaker counts: the driver failing, never the domain refusing. */
  static boolean isDriverFailure(Throwable e) {
    Throwable cause = unwrap(e);
    if (cause instanceof HypervisorException h) {
      return !h.guest() && (h.fault() == Fault.DRIVER_ERROR || h.fault() == Fault.INTERNAL || h.fault() == Fault.TIMEOUT);
    }
    return true;
  }

  private static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static long seconds(Duration d) {
    return Math.max(1, Math.round(d.toMillis() / 1000.0));
  }

  /** CLOSED, OPEN, HALF_OPEN (as the heartbeat reports it). */
  public String breakerState() {
    return breaker.getState().name();
  }

  /** Driver calls running now (hung ones included). */
  public int callsInFlight() {
    return settings.maxConcurrentCalls() - bulkhead.getMetrics().getAvailableConcurrentCalls();
  }

  @Override
  public void close() {
    timer.shutdownNow();
    // Hung calls cannot be waited for: their threads are daemons and die with the process.
    calls.shutdown();
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
