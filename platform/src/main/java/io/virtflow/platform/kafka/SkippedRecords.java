package io.virtflow.platform.kafka;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;

import io.micrometer.core.instrument.Counter;
import io.virtflow.platform.metrics.Metrics;

/**
 * What a projection reader ({@link TopicReader}) does with a record it cannot decode: it skips it, logs it
 * and counts it in {@code virtflow_records_skipped_total{topic}}. It does not dead-letter it: several
 * readers read each projection topic, and the gateway's dead-letter sweep (one consumer group per
 * namespace) parks each such record in {@code <ns>.dlq} once.
 */
public final class SkippedRecords {
  /** The Prometheus name is {@code virtflow_records_skipped_total}. */
  public static final String METER = "virtflow.records.skipped";

  private SkippedRecords() {
  }

  /** Logs and counts one skipped record; {@code reader} names who skipped it. */
  public static void skip(Logger log, String reader, ConsumerRecord<String, byte[]> record, String reason) {
    counter(record.topic()).increment();
    log.warn("{}: skipping undecodable record {}-{}@{} (the gateway's dead-letter sweep parks it): {}", reader,
        record.topic(), record.partition(), record.offset(), reason);
  }

  /** Records of {@code topic} skipped so far by every reader of this process. */
  public static double skipped(String topic) {
    return counter(topic).count();
  }

  private static Counter counter(String topic) {
    return Counter.builder(METER).description("undecodable records skipped by projection readers")
        .tag("topic", topic).register(Metrics.process().registry());
  }
}
