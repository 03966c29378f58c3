package io.virtflow.client;

import java.util.Objects;

import org.apache.avro.specific.SpecificRecord;

import io.virtflow.schema.AvroCodec;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.Topics;

/**
 * Decodes the value of a record read from any virtflow topic, whatever its namespace: the topic name's
 * suffix after the namespace ({@code commands}, {@code host.<id>.commands}, {@code command.status},
 * {@code vm.events}, {@code vm.state}, {@code host.status}, {@code snapshot.requests},
 * {@code snapshot.events}) picks the message type (DESIGN §3).
 */
public final class Records {
  private Records() {
  }

  /**
   * The record, as the generated class of its topic ({@code CommandRequest}, {@code Command},
   * {@code CommandStatus}, {@code DomainEvent}, {@code DomainState}, {@code HostStatus},
   * {@code SnapshotRequest}, {@code SnapshotEvent}); {@code null} for a tombstone (a null value) on the
   * compacted topics {@code vm.state} and {@code host.status}.
   *
   * @throws IllegalArgumentException for a topic that is not a virtflow topic with a message type
   *     ({@code dlq} holds other topics' undecodable bytes)
   * @throws AvroCodec.UndecodableException for a value that is not a record of the topic's type; the
   *     message names the topic and the reason
   */
  public static SpecificRecord decode(String topic, byte[] value) {
    AvroCodec<? extends SpecificRecord> codec = codecFor(topic);
    if (value == null && (codec == Codecs.DOMAIN_STATE || codec == Codecs.HOST_STATUS)) {
      return null;
    }
    try {
      return codec.decode(value);
    } catch (AvroCodec.UndecodableException e) {
      throw new AvroCodec.UndecodableException("record of " + topic + ": " + e.getMessage(), e);
    }
  }

  /** As {@link #decode(String, byte[])}, checking the type the caller expects. */
  public static <T extends SpecificRecord> T decode(String topic, byte[] value, Class<T> type) {
    Objects.requireNonNull(type, "type");
    AvroCodec<? extends SpecificRecord> codec = codecFor(topic);
    if (codec.type() != type) {
      throw new IllegalArgumentException(topic + " carries " + codec.type().getSimpleName() + ", not "
          + type.getSimpleName());
    }
    return type.cast(decode(topic, value));
  }

  /** The codec for a topic's values. */
  public static AvroCodec<? extends SpecificRecord> codecFor(String topic) {
    Objects.requireNonNull(topic, "topic");
    int dot = topic.indexOf('.');
    if (dot <= 0) {
      throw notOurs(topic, "it has no namespace prefix");
    }
    // The namespace cannot contain a dot (Topics), so everything after the first one is the suffix.
    String namespace = topic.substring(0, dot);
    String suffix = topic.substring(dot + 1);
    try {
      new Topics(namespace);
    } catch (IllegalArgumentException e) {
      throw notOurs(topic, "'" + namespace + "' is not a valid namespace");
    }
    switch (suffix) {
      case "commands":
        return Codecs.COMMAND_REQUEST;
      case "command.status":
        return Codecs.COMMAND_STATUS;
      case "vm.events":
        return Codecs.DOMAIN_EVENT;
      case "vm.state":
        return Codecs.DOMAIN_STATE;
      case "host.status":
        return Codecs.HOST_STATUS;
      case "snapshot.requests":
        return Codecs.SNAPSHOT_REQUEST;
      case "snapshot.events":
        return Codecs.SNAPSHOT_EVENT;
      case "dlq":
        throw new IllegalArgumentException(topic + " holds the original bytes of records other consumers could "
            + "not decode; its header virtflow.dlq.source.topic names the topic they came from, "
            + "virtflow.dlq.error why they failed");
      case "audit":
        return Codecs.AUDIT_RECORD;
      default:
        if (suffix.startsWith("host.") && suffix.endsWith(".commands")
            && Topics.isValidHostId(suffix.substring("host.".length(), suffix.length() - ".commands".length()))) {
          return Codecs.COMMAND;
        }
        throw notOurs(topic, "'" + suffix + "' is not a virtflow topic");
    }
  }

  private static IllegalArgumentException notOurs(String topic, String why) {
    return new IllegalArgumentException("cannot decode a record of topic '" + topic + "': " + why
        + " (expected <namespace>.{commands, host.<hostId>.commands, command.status, vm.events, vm.state, "
        + "host.status, snapshot.requests, snapshot.events})");
  }
}
