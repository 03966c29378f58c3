package io.virtflow.gateway.kafka;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.virtflow.gateway.command.CommandSink;
import io.virtflow.gateway.domain.CommandDraft;
import io.virtflow.gateway.domain.StatusUpdate;
import io.virtflow.platform.kafka.TopicAdmin;
import io.virtflow.platform.vertx.Blocking;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.Topics;

/**
 * Writes commands on {@code <ns>.host.<hostId>.commands} and snapshot requests on
 * {@code snapshot.requests}, both keyed by domain id, and statuses on {@code command.status} keyed by
 * command id.
 *
 * <p>{@code producer.send} blocks its caller while a topic's metadata is missing (a new host topic, a
 * broker down) for up to {@code max.block.ms}, so sends are handed to one ordered worker: the event loop
 * never waits, and the records of one domain keep the order in which they were accepted.
 */
public final class KafkaCommandSink implements CommandSink {
  private final Producer<String, byte[]> producer;
  private final Admin admin;
  private final TopicAdmin topicAdmin;
  private final Topics topics;
  private final WorkerExecutor sender;
  private final Blocking blocking;
  private final Context context;
  private final Set<String> hostTopicsKnown = new HashSet<>();
  private volatile String lastSendFailure;

  public KafkaCommandSink(Vertx vertx, Context context, Producer<String, byte[]> producer, Admin admin,
      TopicAdmin topicAdmin, Topics topics, Blocking blocking) {
    this.producer = producer;
    this.admin = admin;
    this.topicAdmin = topicAdmin;
    this.topics = topics;
    this.context = context;
    this.blocking = blocking;
    this.sender = vertx.createSharedWorkerExecutor("virtflow-gateway-send", 1);
  }

  @Override
  public Future<Void> ensureHostTopic(String hostId) {
    if (hostTopicsKnown.contains(hostId)) {
      return Future.succeededFuture();
    }
    return blocking.run(() -> {
      topicAdmin.ensureHostTopic(admin, hostId);
      return (Void) null;
    }).onSuccess(v -> hostTopicsKnown.add(hostId)).onFailure(this::noteFailure);
  }

  @Override
  public Future<Void> publish(CommandDraft command) {
    return send(new ProducerRecord<>(topics.hostCommands(command.hostId()), command.domainId(),
        Codecs.COMMAND.encode(AvroMapping.toCommand(command))));
  }

  @Override
  public Future<Void> publishSnapshotRequest(CommandDraft request) {
    return send(new ProducerRecord<>(topics.snapshotRequests(), request.domainId(),
        Codecs.SNAPSHOT_REQUEST.encode(AvroMapping.toSnapshotRequest(request))));
  }

  @Override
  public Future<Void> publishStatus(StatusUpdate status) {
    return send(new ProducerRecord<>(topics.commandStatus(), status.commandId(),
        Codecs.COMMAND_STATUS.encode(AvroMapping.toStatus(status))));
  }

  /** Why the last write failed, or null if it succeeded: the producer's health. */
  public String lastSendFailure() {
    return lastSendFailure;
  }

  private Future<Void> send(ProducerRecord<String, byte[]> record) {
    CompletableFuture<Void> acked = new CompletableFuture<>();
    sender.executeBlocking(() -> {
      try {
        producer.send(record, (metadata, error) -> {
          if (error != null) {
            acked.completeExceptionally(error);
          } else {
            acked.complete(null);
          }
        });
      } catch (RuntimeException e) {
        acked.completeExceptionally(e);
      }
      return null;
    }, true);
    return Future.fromCompletionStage(acked, context)
        .onSuccess(v -> lastSendFailure = null)
        .onFailure(this::noteFailure);
  }

  private void noteFailure(Throwable e) {
    lastSendFailure = e.toString();
  }

  public void close() {
    sender.close();
  }
}
