package io.virtflow.gateway.kafka;

import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.virtflow.gateway.command.AuditLog;
import io.virtflow.gateway.domain.AuditEntry;
import io.virtflow.schema.AuditRecord;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.ErrorCode;

/**
 * Writes audit records to {@code virtflow.audit}, keyed by principal, off the request path: a record is
 * handed to one worker thread (a bounded queue; when full, the record is dropped and counted), which
 * calls {@code producer.send} (that may block while the topic's metadata is fetched) with a callback
 * that counts failures. A failed audit write is logged and counted, never turned into an error of the
 * request it describes.
 */
public final class KafkaAuditLog implements AuditLog, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaAuditLog.class);
  private static final int QUEUE = 10_000;

  private final Producer<String, byte[]> producer;
  private final String topic;
  private final ExecutorService worker;
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();

  public KafkaAuditLog(Producer<String, byte[]> producer, String topic) {
    this.producer = producer;
    this.topic = topic;
    this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
      Thread t = new Thread(r, "virtflow-gateway-audit");
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public void record(AuditEntry e) {
    AuditRecord r = toRecord(e);
    try {
      worker.execute(() -> send(r));
    } catch (RejectedExecutionException full) {
      if (dropped.incrementAndGet() % 1000 == 1) {
        LOG.warn("audit queue full or closed: {} audit records dropped so far", dropped.get());
      }
    }
  }

  private void send(AuditRecord r) {
    try {
      producer.send(new ProducerRecord<>(topic, r.getPrincipal(), Codecs.AUDIT_RECORD.encode(r)), (md, ex) -> {
        if (ex == null) {
          written.incrementAndGet();
        } else {
          failedOnce(ex);
        }
      });
    } catch (RuntimeException ex) {
      failedOnce(ex);
    }
  }

  private void failedOnce(Exception ex) {
    long n = failed.incrementAndGet();
    if (n == 1 || n % 100 == 0) {
      LOG.warn("audit record not written ({} failures so far): {}", n, ex.toString());
    }
  }

  static AuditRecord toRecord(AuditEntry e) {
    return AuditRecord.newBuilder()
        .setAuditId(UUID.randomUUID().toString())
        .setAt(e.at())
        .setPrincipal(e.principal())
        .setProject(e.project())
        .setRole(e.role())
        .setDoor(e.door())
        .setAction(e.action())
        .setTarget(e.target())
        .setOutcome(e.outcome())
        .setHttpStatus(e.httpStatus())
        .setCode(e.code() == null ? null : ErrorCode.valueOf(e.code()))
        .setMessage(e.message())
        .setCommandId(e.commandId())
        .setRemote(e.remote())
        .build();
  }

  /** Records acknowledged by Kafka. */
  public long written() {
    return written.get();
  }

  /** Records Kafka did not take. */
  public long failed() {
    return failed.get();
  }

  /** Records dropped because the queue was full. */
  public long dropped() {
    return dropped.get();
  }

  /** Hands what is queued to the producer (which the caller flushes and closes), within a few seconds. */
  @Override
  public void close() {
    worker.shutdown();
    try {
      worker.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
