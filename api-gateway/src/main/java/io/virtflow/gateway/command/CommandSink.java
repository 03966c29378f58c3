package io.virtflow.gateway.command;

import io.vertx.core.Future;
import io.virtflow.gateway.domain.CommandDraft;
import io.virtflow.gateway.domain.StatusUpdate;

/** Where accepted commands go (host agents' topics, the snapshot service's topic): the Kafka adapter in production. */
public interface CommandSink {

  /** Makes sure the host's command topic exists. */
  Future<Void> ensureHostTopic(String hostId);

  /** Writes the command on its host's topic; succeeds only once Kafka acknowledged it (acks=all). */
  Future<Void> publish(CommandDraft command);

  /**
   * Writes a snapshot request on {@code snapshot.requests}, keyed by its domain id; succeeds only once
   * Kafka acknowledged it.
   */
  Future<Void> publishSnapshotRequest(CommandDraft request);

  /** Writes one status on {@code command.status}. */
  Future<Void> publishStatus(StatusUpdate status);
}
