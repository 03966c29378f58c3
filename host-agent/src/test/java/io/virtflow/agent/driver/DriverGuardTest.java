package io.virtflow.agent.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.virtflow.agent.domain.Fault;

/** The guard alone, with a driver that is a lambda: no broker, no sleeping on the breaker's wait. */
class DriverGuardTest {
  private final ShiftedClock clock = new ShiftedClock();
  private final AtomicInteger driverCalls = new AtomicInteger();
  private DriverGuard guard;

  @AfterEach
  void close() {
    if (guard != null) {
      guard.close();
    }
  }

  private DriverGuard guard(Duration timeout, int maxCalls) {
    guard = new DriverGuard("h1", new DriverGuard.Settings(timeout, maxCalls, Duration.ofSeconds(5)), clock);
    return guard;
  }

  private <T> Supplier<T> counted(Supplier<T> call) {
    return () -> {
      driverCalls.incrementAndGet();
      return call.get();
    };
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    try {
      return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) (e.getCause() instanceof Exception ex ? ex : e);
    }
  }

  private HypervisorException failureOf(CompletionStage<?> stage) {
    return catchThrowableOfType(HypervisorException.class, () -> await(stage));
  }

  private static Supplier<String> failing(Fault fault) {
    return () -> {
      throw new HypervisorException(fault, "qemu says no");
    };
  }

  @Test
  void driverFailuresOpenTheBreakerThenCallsFailFastWithoutTheDriverAndItRecoversAfterTheWait() throws Exception {
    DriverGuard g = guard(Duration.ofSeconds(5), 4);
    for (int i = 0; i < 5; i++) {
      assertThat(failureOf(g.call("start", counted(failing(Fault.DRIVER_ERROR)))).getMessage()).isEqualTo("qemu says no");
    }
    assertThat(g.breakerState()).isEqualTo("OPEN");

    HypervisorException fast = failureOf(g.call("start", counted(() -> "ok")));
    assertThat(fast.fault()).isEqualTo(Fault.DRIVER_ERROR);
    assertThat(fast.refused()).isFalse();
    assertThat(fast.getMessage()).isEqualTo("hypervisor driver unavailable: circuit breaker open after 5 failures in "
        + "the last 5 calls; retrying in ~5 s");
    assertThat(driverCalls).as("the open breaker kept the call from the driver").hasValue(5);

    clock.advance(Duration.ofSeconds(6));
    assertThat(await(g.call("start", counted(() -> "ok")))).isEqualTo("ok");
    assertThat(g.breakerState()).isEqualTo("HALF_OPEN");
    assertThat(await(g.call("start", counted(() -> "ok")))).isEqualTo("ok");
    assertThat(g.breakerState()).isEqualTo("CLOSED");
    assertThat(driverCalls).hasValue(7);
  }

  @Test
  void domainRefusalsAreAnswersAndNeverOpenTheBreaker() {
    DriverGuard g = guard(Duration.ofSeconds(5), 4);
    for (Fault refusal : new Fault[] {Fault.OPERATION_INVALID, Fault.NO_DOMAIN, Fault.INVALID_ARG,
        Fault.SNAPSHOT_UNSAFE, Fault.OPERATION_UNSUPPORTED, Fault.NO_SNAPSHOT}) {
      for (int i = 0; i < 3; i++) {
        assertThat(failureOf(g.call("suspend", counted(failing(refusal)))).fault()).isEqualTo(refusal);
      }
    }
    assertThat(g.breakerState()).isEqualTo("CLOSED");
    assertThat(driverCalls).hasValue(18);
  }

  @Test
  void aHungCallEndsTimeoutWithinItsLimitAndLaterCallsProceed() throws Exception {
    DriverGuard g = guard(Duration.ofMillis(200), 4);
    CountDownLatch release = new CountDownLatch(1);
    long t0 = System.nanoTime();
    HypervisorException timedOut = failureOf(g.call("start", () -> {
      awaitQuietly(release);
      return "late";
    }));
    long tookMs = (System.nanoTime() - t0) / 1_000_000;

    assertThat(timedOut.fault()).isEqualTo(Fault.TIMEOUT);
    assertThat(timedOut.refused()).isFalse();
    assertThat(timedOut.getMessage()).isEqualTo("hypervisor call start did not return within 200 ms; whether it took "
        + "effect shows in the domain's version");
    assertThat(tookMs).isBetween(150L, 2_000L);
    assertThat(g.callsInFlight()).as("the hung call still holds its thread").isEqualTo(1);
    assertThat(await(g.call("suspend", () -> "ok"))).isEqualTo("ok");
    release.countDown();
  }

  @Test
  void theBulkheadBoundsDriverCallsAndHungCallsKeepTheirPermitUntilTheyReturn() throws Exception {
    DriverGuard g = guard(Duration.ofMillis(100), 2);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger inside = new AtomicInteger();
    for (int i = 0; i < 2; i++) {
      assertThat(failureOf(g.call("start", () -> {
        inside.incrementAndGet();
        awaitQuietly(release);
        return "late";
      })).fault()).isEqualTo(Fault.TIMEOUT);
    }

    HypervisorException busy = failureOf(g.read("lookup", counted(() -> "ok")));
    assertThat(busy.fault()).isEqualTo(Fault.DRIVER_ERROR);
    assertThat(busy.getMessage()).startsWith("hypervisor driver busy: all 2 driver calls are taken");
    assertThat(driverCalls).hasValue(0);
    assertThat(inside).hasValue(2);

    release.countDown();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> g.callsInFlight() == 0);
    assertThat(await(g.read("lookup", counted(() -> "ok")))).isEqualTo("ok");
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The real time plus an offset the test moves forward. */
  private static final class ShiftedClock extends Clock {
    private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);

    void advance(Duration by) {
      offset.accumulateAndGet(by, Duration::plus);
    }

    @Override
    public Instant instant() {
      return Instant.now().plus(offset.get());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }
}
