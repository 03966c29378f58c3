package io.virtflow.platform.kafka;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.config.ClientSecurity;

/**
 * Client settings shared by every service. Each non-default says why.
 *
 * <p>Every client carries the service's identity on the bus ({@link ClientSecurity}). The overloads that
 * take a {@link BusConfig} use that bus's own; those that take a bare bootstrap string use the identity
 * that the process's composition root declared for that bootstrap with {@link #identify(BusConfig)}, or
 * none ({@code PLAINTEXT}).
 */
public final class KafkaSettings {
  /** Bootstrap string → the identity this process uses there; set once by each {@code Main}. */
  private static final Map<String, ClientSecurity> IDENTITIES = new ConcurrentHashMap<>();

  private KafkaSettings() {
  }

  /**
   * Declares the identity of every client this process builds for {@code bus.bootstrap()}, including those
   * built from the bare bootstrap string. Called by a service's {@code Main} before it starts.
   */
  public static void identify(BusConfig bus) {
    if (bus.security().authenticates()) {
      IDENTITIES.put(bus.bootstrap(), bus.security());
    } else {
      IDENTITIES.remove(bus.bootstrap());
    }
  }

  /** The identity used for clients of {@code bootstrap} built without a {@link BusConfig}. */
  public static ClientSecurity identityFor(String bootstrap) {
    return IDENTITIES.getOrDefault(bootstrap, ClientSecurity.plaintext());
  }

  public static Map<String, Object> producer(BusConfig bus, String clientId, long deliveryTimeoutMs) {
    return secured(producer(bus.bootstrap(), clientId, deliveryTimeoutMs), bus.security());
  }

  public static Map<String, Object> groupConsumer(BusConfig bus, String groupId, String clientId) {
    return secured(groupConsumer(bus.bootstrap(), groupId, clientId), bus.security());
  }

  public static Map<String, Object> reader(BusConfig bus, String clientId) {
    return secured(reader(bus.bootstrap(), clientId), bus.security());
  }

  public static Map<String, Object> admin(BusConfig bus, String clientId) {
    return secured(admin(bus.bootstrap(), clientId), bus.security());
  }

  private static Map<String, Object> secured(Map<String, Object> props, ClientSecurity security) {
    props.keySet().removeIf(k -> k.startsWith("sasl.") || k.equals("security.protocol"));
    props.putAll(security.clientProperties());
    return props;
  }

  /**
   * A producer that never loses or duplicates what it was told was written.
   *
   * @param deliveryTimeoutMs how long a send may take in all before it fails; the gateway keeps this
   *     short so that a client gets a 503 instead of hanging when Kafka is down
   */
  public static Map<String, Object> producer(String bootstrap, String clientId, long deliveryTimeoutMs) {
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    // Acknowledged only once every in-sync replica has the record (DESIGN §3).
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    // Retries never duplicate or reorder records of a partition.
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    // Loopback measurements (docs/FACTS.md): linger 0 gives a 0.46 ms round trip, 5 ms gives 3.8 ms.
    // Commands are latency-bound; a millisecond still lets bursts share a request.
    p.put(ProducerConfig.LINGER_MS_CONFIG, 1);
    // delivery.timeout.ms must be >= linger.ms + request.timeout.ms.
    int requestTimeout = (int) Math.max(1000, Math.min(30_000, deliveryTimeoutMs - 10));
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, requestTimeout);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.max(deliveryTimeoutMs, requestTimeout + 10L));
    // send() blocks the caller while metadata is missing (broker down): bound that by the same budget.
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, deliveryTimeoutMs);
    p.putAll(identityFor(bootstrap).clientProperties());
    return p;
  }

  /** A group consumer whose offsets are committed by {@link OrderedCommitConsumer}, never automatically. */
  public static Map<String, Object> groupConsumer(String bootstrap, String groupId, String clientId) {
    Map<String, Object> p = new HashMap<>();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    // An offset is committed only once the record's effect is done (DESIGN §9).
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // A new group must see commands written before it first joined.
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // Never see records of aborted transactions.
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.putAll(identityFor(bootstrap).clientProperties());
    return p;
  }

  /**
   * A {@link #groupConsumer} with static membership: {@code instanceId} is stable across restarts of the
   * same member (e.g. per host), so a restarted instance takes the partitions of the one it replaces at
   * once instead of after the old member's session timeout, and the broker fences the old member
   * ({@code FencedInstanceIdException}) if it is still alive. A static member does not leave the group on
   * a plain {@code close()}: close it with {@code CloseOptions.GroupMembershipOperation.LEAVE_GROUP}.
   */
  public static Map<String, Object> staticGroupConsumer(String bootstrap, String groupId, String clientId,
      String instanceId) {
    Map<String, Object> p = groupConsumer(bootstrap, groupId, clientId);
    p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId);
    return p;
  }

  /** A consumer without a group, positioned by hand (projections, event streams). */
  public static Map<String, Object> reader(String bootstrap, String clientId) {
    Map<String, Object> p = new HashMap<>();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.putAll(identityFor(bootstrap).clientProperties());
    return p;
  }

  public static Map<String, Object> admin(String bootstrap, String clientId) {
    Map<String, Object> p = new HashMap<>();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
    // Fail start-up within seconds when the bus is unreachable, instead of the 60 s default.
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    p.putAll(identityFor(bootstrap).clientProperties());
    return p;
  }
}
