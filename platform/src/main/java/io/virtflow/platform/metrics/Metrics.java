package io.virtflow.platform.metrics;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.http.HttpServerResponse;

/**
 * The meters of one service process, scraped by Prometheus at {@code GET /metrics} (DESIGN §9): JVM memory,
 * GC, threads, class loading, CPU and uptime from the start; Kafka client meters for every producer and
 * consumer that goes through the platform's {@code Publisher}, {@code OrderedCommitConsumer} and
 * {@code TopicReader} (including {@code kafka_consumer_fetch_manager_records_lag_max}, the consumer lag);
 * circuit breakers bound with {@link #bind(CircuitBreaker)}. Modules add their own meters to
 * {@link #registry()}.
 *
 * <p>One registry per process ({@link #process()}): a service runs alone in its container, and the dev
 * stack's services, sharing one JVM, share one registry.
 */
public final class Metrics {
  /** Prometheus text exposition format 0.0.4. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private static Metrics process;

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private CircuitBreakerRegistry breakers;

  private Metrics() {
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    // Lives as long as the process: it listens to GC notifications until the JVM ends.
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  /** The registry of this process, created with its JVM meters on first use. */
  public static synchronized Metrics process() {
    if (process == null) {
      process = new Metrics();
    }
    return process;
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** Every meter, in the Prometheus text format. */
  public String scrape() {
    return registry.scrape(CONTENT_TYPE);
  }

  /** Answers a {@code GET /metrics}. */
  public void respond(HttpServerResponse response) {
    response.putHeader("content-type", CONTENT_TYPE).end(scrape());
  }

  /** Meters of one Kafka producer; close the result when the producer is closed. */
  public AutoCloseable bind(Producer<?, ?> producer) {
    KafkaClientMetrics m = new KafkaClientMetrics(producer);
    m.bindTo(registry);
    return m;
  }

  /** Meters of one Kafka consumer, lag included; close the result when the consumer is closed. */
  public AutoCloseable bind(Consumer<?, ?> consumer) {
    KafkaClientMetrics m = new KafkaClientMetrics(consumer);
    m.bindTo(registry);
    return m;
  }

  /** Every breaker of {@code breakers}, now and later, tagged with its name. */
  public void bind(CircuitBreakerRegistry breakers) {
    TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(registry);
  }

  /**
   * {@code resilience4j_circuitbreaker_state}, {@code _calls}, {@code _failure_rate}... of a breaker built
   * without a registry ({@code CircuitBreaker.of}), tagged with its name. A breaker of the same name bound
   * before is replaced (an agent restarted in the same JVM).
   */
  public synchronized void bind(CircuitBreaker breaker) {
    if (breakers == null) {
      breakers = CircuitBreakerRegistry.ofDefaults();
      bind(breakers);
    }
    // A registry adopts no instance: make the name known, then put this breaker in its place.
    breakers.circuitBreaker(breaker.getName());
    breakers.replace(breaker.getName(), breaker);
  }

  /** Closes a binding from {@link #bind(Producer)} or {@link #bind(Consumer)}, never throwing. */
  public static void unbind(AutoCloseable binding) {
    if (binding == null) {
      return;
    }
    try {
      binding.close();
    } catch (Exception e) {
      // Meters of a closed client: nothing to save.
    }
  }
}
