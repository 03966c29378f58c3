package io.virtflow.platform.kafka;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

import io.virtflow.platform.config.BusConfig;
import io.virtflow.schema.Topics;

/**
 * Creates the topics of docs/DESIGN.md §3 with their keys' retention rules, if they do not exist yet.
 * Pre-creating matters: the first send to an auto-created topic costs ~250 ms and logs errors
 * (docs/FACTS.md). Blocking: call it from a worker or before the event loop starts.
 */
public final class TopicAdmin {
  private static final long DAY_MS = 24L * 3600 * 1000;

  private final BusConfig bus;

  public TopicAdmin(BusConfig bus) {
    this.bus = bus;
  }

  /** The retention rules of each shared topic. */
  public Map<String, Map<String, String>> sharedTopicConfigs() {
    Topics t = bus.topics();
    Map<String, Map<String, String>> out = new HashMap<>();
    out.put(t.commands(), retention(7 * DAY_MS));
    // Keyed by command id: compaction keeps each command's last status, deletion forgets old commands.
    out.put(t.commandStatus(), Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "compact,delete",
        TopicConfig.RETENTION_MS_CONFIG, Long.toString(7 * DAY_MS)));
    out.put(t.vmEvents(), retention(7 * DAY_MS));
    // Latest full state per domain; a tombstone removes an undefined domain.
    out.put(t.vmState(), Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
    out.put(t.hostStatus(), Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
    out.put(t.snapshotRequests(), retention(7 * DAY_MS));
    // The snapshot catalog's source of truth: kept forever, never compacted (DESIGN §3).
    out.put(t.snapshotEvents(), Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
        TopicConfig.RETENTION_MS_CONFIG, "-1", TopicConfig.RETENTION_BYTES_CONFIG, "-1"));
    out.put(t.dlq(), retention(14 * DAY_MS));
    out.put(t.audit(), retention(90 * DAY_MS));
    return out;
  }

  public Map<String, String> hostCommandTopicConfig() {
    return retention(7 * DAY_MS);
  }

  /** Creates every shared topic that is missing. */
  public void ensureSharedTopics(Admin admin) {
    List<NewTopic> topics = new ArrayList<>();
    sharedTopicConfigs().forEach((name, cfg) -> topics.add(newTopic(name, cfg)));
    create(admin, topics);
  }

  /** Creates the command topic of one host if it is missing. */
  public void ensureHostTopic(Admin admin, String hostId) {
    ensureHostTopics(admin, List.of(hostId));
  }

  /** Creates the missing command topics of many hosts in one request (a stack starting 100 agents at once). */
  public void ensureHostTopics(Admin admin, java.util.Collection<String> hostIds) {
    create(admin, hostIds.stream().map(h -> newTopic(bus.topics().hostCommands(h), hostCommandTopicConfig())).toList());
  }

  private NewTopic newTopic(String name, Map<String, String> cfg) {
    Map<String, String> all = new HashMap<>(cfg);
    all.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(bus.minInsyncReplicas()));
    all.put(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG, "false");
    return new NewTopic(name, bus.partitions(), bus.replication()).configs(all);
  }

  private static void create(Admin admin, List<NewTopic> topics) {
    try {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<NewTopic> missing = topics.stream().filter(t -> !existing.contains(t.name())).toList();
      if (missing.isEmpty()) {
        return;
      }
      for (var entry : admin.createTopics(missing).values().entrySet()) {
        try {
          entry.getValue().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          // Another service created it between our list and our create: that is fine.
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("cannot create topic " + entry.getKey() + ": " + e.getCause(), e);
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot reach Kafka to create topics: " + e, e);
    }
  }

  private static Map<String, String> retention(long ms) {
    return Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
        TopicConfig.RETENTION_MS_CONFIG, Long.toString(ms));
  }
}
