package io.virtflow.gateway.http;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;

/**
 * One Resilience4j {@link RateLimiter} per principal: {@code perSecond} permits each second, no waiting
 * (a request over the limit is refused at once). The map is bounded: past {@code maxPrincipals}, the
 * principal seen least recently loses its limiter (and gets a fresh, full one if it comes back).
 * Lives on the gateway verticle's context.
 */
final class RateLimits {
  static final int MAX_PRINCIPALS = 10_000;
  private final RateLimiterConfig config;
  private final Map<String, RateLimiter> limiters;

  RateLimits(int perSecond, int maxPrincipals) {
    this.config = RateLimiterConfig.custom().limitForPeriod(perSecond).limitRefreshPeriod(Duration.ofSeconds(1))
        .timeoutDuration(Duration.ZERO).build();
    this.limiters = new LinkedHashMap<>(256, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, RateLimiter> eldest) {
        return size() > maxPrincipals;
      }
    };
  }

  /** Takes one permit of {@code principal}'s limiter; false when it has none left in this second. */
  boolean tryAcquire(String principal) {
    return limiters.computeIfAbsent(principal, p -> RateLimiter.of("http-" + p, config)).acquirePermission();
  }

  /** Whole seconds (at least 1) until a refused principal has permits again. */
  long retryAfterSeconds(String principal) {
    RateLimiter l = limiters.get(principal);
    long nanos = l instanceof AtomicRateLimiter a ? Math.max(0, a.getDetailedMetrics().getNanosToWait()) : 0;
    return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
  }

  int size() {
    return limiters.size();
  }
}
