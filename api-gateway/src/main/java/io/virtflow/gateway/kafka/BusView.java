package io.virtflow.gateway.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsResult;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.TopicPartitionInfo;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.virtflow.gateway.command.BusUnavailable;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.vertx.Blocking;
import io.virtflow.schema.Topics;

/**
 * What {@code GET /v1/bus} shows of the namespace's Kafka bus: every topic of the namespace with its
 * partitions' offsets, every consumer group that committed offsets on those topics with its lag, and the
 * dead-letter topic's record count with its latest records' {@code virtflow.dlq.*} headers.
 *
 * <p>Read with the gateway's own Admin client and one reader of its own, on a worker thread of its own
 * (never the event loop, never the command path's workers). An answer younger than {@link #MAX_AGE} is
 * given again, and callers that ask while a read is under way share it, so that consoles polling the
 * view cost the bus one read per {@link #MAX_AGE} at most. {@link #report} is called on the gateway
 * verticle's context.
 *
 * <p>Consumer groups are not all named after the namespace (the agents' and the snapshot service's are
 * not), so a group belongs to it by what it committed: offsets on a topic of the namespace. On a bus with
 * ACLs the gateway sees only the groups it may describe, and may not read the dead-letter topic: those
 * parts then carry an {@code error} and the rest is shown.
 */
public final class BusView {
  /** How long one read of the bus is shown again. */
  public static final Duration MAX_AGE = Duration.ofSeconds(2);
  /** How many of the dead-letter topic's latest records are shown. */
  public static final int DEAD_LETTERS_SHOWN = 20;
  private static final long CALL_TIMEOUT_MS = 5_000;
  private static final String DLQ_HEADER_PREFIX = "virtflow.dlq.";

  /** One partition: its log start and end offsets (the next offset to be written). */
  public record PartitionOffsets(int partition, long startOffset, long endOffset) {
    public long records() {
      return Math.max(0, endOffset - startOffset);
    }
  }

  public record TopicOffsets(String topic, List<PartitionOffsets> partitions) {
    public long records() {
      return partitions.stream().mapToLong(PartitionOffsets::records).sum();
    }
  }

  /** One partition a group committed on: its committed offset against the partition's end. */
  public record GroupPartition(String topic, int partition, long committed, long endOffset) {
    public long lag() {
      return Math.max(0, endOffset - committed);
    }
  }

  /** A consumer group: its state and members as the broker says, its lag on the namespace's topics. */
  public record Group(String groupId, String state, int members, List<GroupPartition> partitions) {
    public long lag() {
      return partitions.stream().mapToLong(GroupPartition::lag).sum();
    }
  }

  /** One parked record: where it is on the dead-letter topic, and its {@code virtflow.dlq.*} headers. */
  public record DeadLetter(int partition, long offset, Instant timestamp, String key, int valueBytes,
      Map<String, String> headers) {
  }

  /**
   * The dead-letter topic: how many records it holds (end minus start offsets, over its partitions), the
   * latest {@link #DEAD_LETTERS_SHOWN}, newest first, and why those could not be read, if they could not.
   */
  public record DeadLetters(String topic, long count, List<DeadLetter> latest, String error) {
  }

  public record Report(String namespace, Instant at, List<TopicOffsets> topics, List<Group> groups,
      String groupsError, DeadLetters deadLetters) {
  }

  private final Admin admin;
  private final String bootstrap;
  private final Topics topics;
  private final Clock clock;
  private final Blocking worker;
  private final String clientId;
  /** Created and used on the worker thread only. */
  private Consumer<String, byte[]> reader;
  private Report last;
  private Future<Report> reading;

  public BusView(Vertx vertx, Admin admin, String bootstrap, Topics topics, Clock clock, String clientId) {
    this.admin = admin;
    this.bootstrap = bootstrap;
    this.topics = topics;
    this.clock = clock;
    this.clientId = clientId;
    // One thread: the reader is used by one thread at a time, and the view never competes with command sends.
    this.worker = new Blocking(vertx, "virtflow-gateway-bus-view", 1);
  }

  /** The bus now, or as read less than {@link #MAX_AGE} ago. Fails with {@link BusUnavailable}. */
  public Future<Report> report() {
    Instant now = clock.instant();
    if (last != null && now.isBefore(last.at().plus(MAX_AGE))) {
      return Future.succeededFuture(last);
    }
    if (reading != null) {
      return reading;
    }
    Future<Report> r = worker.run(this::read).recover(e -> Future.failedFuture(e instanceof BusUnavailable ? e
        : new BusUnavailable("the bus did not answer: " + rootMessage(e), e)));
    reading = r;
    r.onComplete(ar -> {
      reading = null;
      if (ar.succeeded()) {
        last = ar.result();
      }
    });
    return r;
  }

  /** Lets go of the reader; the Admin client is the gateway's and stays open. */
  public Future<Void> close() {
    return worker.run(() -> {
      if (reader != null) {
        reader.close();
        reader = null;
      }
      return (Void) null;
    }).eventually(() -> {
      worker.close();
      return Future.succeededFuture();
    });
  }

  private Report read() throws InterruptedException, ExecutionException, TimeoutException {
    Instant at = clock.instant();
    String prefix = topics.namespace() + ".";
    List<String> names = admin.listTopics().names().get(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS).stream()
        .filter(n -> n.startsWith(prefix)).sorted().toList();
    Map<String, TopicDescription> described = names.isEmpty() ? Map.of()
        : admin.describeTopics(names).allTopicNames().get(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    List<TopicPartition> partitions = new ArrayList<>();
    for (String n : names) {
      TopicDescription d = described.get(n);
      if (d != null) {
        for (TopicPartitionInfo p : d.partitions()) {
          partitions.add(new TopicPartition(n, p.partition()));
        }
      }
    }
    Map<TopicPartition, Long> starts = offsets(partitions, OffsetSpec.earliest());
    Map<TopicPartition, Long> ends = offsets(partitions, OffsetSpec.latest());
    Map<String, List<PartitionOffsets>> byTopic = new TreeMap<>();
    for (TopicPartition tp : partitions) {
      byTopic.computeIfAbsent(tp.topic(), k -> new ArrayList<>()).add(new PartitionOffsets(tp.partition(),
          starts.getOrDefault(tp, 0L), ends.getOrDefault(tp, 0L)));
    }
    List<TopicOffsets> topicOffsets = new ArrayList<>();
    byTopic.forEach((t, ps) -> {
      ps.sort(Comparator.comparingInt(PartitionOffsets::partition));
      topicOffsets.add(new TopicOffsets(t, List.copyOf(ps)));
    });

    List<Group> groups = List.of();
    String groupsError = null;
    try {
      groups = groups(ends);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      groupsError = rootMessage(e);
    }
    return new Report(topics.namespace(), at, List.copyOf(topicOffsets), groups, groupsError,
        deadLetters(partitions, starts, ends));
  }

  private Map<TopicPartition, Long> offsets(List<TopicPartition> partitions, OffsetSpec spec)
      throws InterruptedException, ExecutionException, TimeoutException {
    if (partitions.isEmpty()) {
      return Map.of();
    }
    Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
    partitions.forEach(tp -> ask.put(tp, spec));
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> got = admin.listOffsets(ask).all()
        .get(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    Map<TopicPartition, Long> out = new HashMap<>();
    got.forEach((tp, info) -> out.put(tp, info.offset()));
    return out;
  }

  /** The groups with offsets committed on the namespace's topics; a group the broker will not describe is left out. */
  private List<Group> groups(Map<TopicPartition, Long> ends)
      throws InterruptedException, ExecutionException, TimeoutException {
    List<String> ids = admin.listGroups(ListGroupsOptions.forConsumerGroups()).all()
        .get(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS).stream().map(GroupListing::groupId).sorted().toList();
    if (ids.isEmpty()) {
      return List.of();
    }
    Map<String, ListConsumerGroupOffsetsSpec> ask = new HashMap<>();
    ids.forEach(id -> ask.put(id, new ListConsumerGroupOffsetsSpec()));
    ListConsumerGroupOffsetsResult result = admin.listConsumerGroupOffsets(ask);
    Map<String, List<GroupPartition>> ours = new TreeMap<>();
    for (String id : ids) {
      Map<TopicPartition, OffsetAndMetadata> committed;
      try {
        committed = result.partitionsToOffsetAndMetadata(id).get(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        continue;
      }
      List<GroupPartition> parts = new ArrayList<>();
      committed.forEach((tp, om) -> {
        if (om != null && ends.containsKey(tp)) {
          parts.add(new GroupPartition(tp.topic(), tp.partition(), om.offset(), ends.get(tp)));
        }
      });
      if (!parts.isEmpty()) {
        parts.sort(Comparator.comparing(GroupPartition::topic).thenComparingInt(GroupPartition::partition));
        ours.put(id, List.copyOf(parts));
      }
    }
    if (ours.isEmpty()) {
      return List.of();
    }
    Map<String, ConsumerGroupDescription> descriptions = new HashMap<>();
    try {
      descriptions.putAll(admin.describeConsumerGroups(ours.keySet()).all().get(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS));
    } catch (ExecutionException e) {
      // State and members are extras: the lag stands without them.
    }
    List<Group> out = new ArrayList<>();
    ours.forEach((id, parts) -> {
      ConsumerGroupDescription d = descriptions.get(id);
      out.add(new Group(id, d == null ? null : d.groupState().toString(), d == null ? -1 : d.members().size(), parts));
    });
    return List.copyOf(out);
  }

  private DeadLetters deadLetters(List<TopicPartition> partitions, Map<TopicPartition, Long> starts,
      Map<TopicPartition, Long> ends) {
    String dlq = topics.dlq();
    long count = 0;
    Map<TopicPartition, Long> from = new HashMap<>();
    for (TopicPartition tp : partitions) {
      if (!tp.topic().equals(dlq)) {
        continue;
      }
      long start = starts.getOrDefault(tp, 0L);
      long end = ends.getOrDefault(tp, 0L);
      count += Math.max(0, end - start);
      if (end > start) {
        from.put(tp, Math.max(start, end - DEAD_LETTERS_SHOWN));
      }
    }
    if (from.isEmpty()) {
      return new DeadLetters(dlq, count, List.of(), null);
    }
    try {
      return new DeadLetters(dlq, count, latest(from, ends), null);
    } catch (RuntimeException e) {
      return new DeadLetters(dlq, count, List.of(), rootMessage(e));
    }
  }

  /** Reads each partition from {@code from} to its end (as listed), newest first, at most {@link #DEAD_LETTERS_SHOWN}. */
  private List<DeadLetter> latest(Map<TopicPartition, Long> from, Map<TopicPartition, Long> ends) {
    if (reader == null) {
      reader = new KafkaConsumer<>(KafkaSettings.reader(bootstrap, clientId));
    }
    reader.assign(from.keySet());
    from.forEach(reader::seek);
    List<DeadLetter> out = new ArrayList<>();
    Set<TopicPartition> done = new HashSet<>();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CALL_TIMEOUT_MS);
    while (done.size() < from.size() && System.nanoTime() < deadline) {
      for (ConsumerRecord<String, byte[]> r : reader.poll(Duration.ofMillis(200))) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        if (r.offset() < ends.get(tp)) {
          out.add(deadLetter(r));
        }
      }
      for (TopicPartition tp : from.keySet()) {
        if (reader.position(tp) >= ends.get(tp)) {
          done.add(tp);
        }
      }
    }
    reader.assign(List.of());
    out.sort(Comparator.comparing(DeadLetter::timestamp, Comparator.reverseOrder())
        .thenComparing(DeadLetter::partition).thenComparing(DeadLetter::offset, Comparator.reverseOrder()));
    return List.copyOf(out.subList(0, Math.min(out.size(), DEAD_LETTERS_SHOWN)));
  }

  private static DeadLetter deadLetter(ConsumerRecord<String, byte[]> r) {
    Map<String, String> headers = new TreeMap<>();
    for (Header h : r.headers()) {
      if (h.key().startsWith(DLQ_HEADER_PREFIX)) {
        headers.put(h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
      }
    }
    return new DeadLetter(r.partition(), r.offset(), Instant.ofEpochMilli(r.timestamp()), r.key(),
        r.value() == null ? 0 : r.value().length, headers);
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
  }
}
