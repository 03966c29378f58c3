package io.virtflow.devstack.reliability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.IntConsumer;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import io.vertx.core.json.JsonObject;
import io.virtflow.agent.domain.Lifecycle;
import io.virtflow.agent.domain.Operation;
import io.virtflow.agent.domain.Reason;
import io.virtflow.agent.domain.Request;
import io.virtflow.agent.domain.State;
import io.virtflow.agent.domain.Transition;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.DomainEvent;

/**
 * A stream of lifecycle commands over many domains, sent over HTTP one after the other (so each domain's
 * commands reach Kafka in the order they were answered 202), with a hook before each command where a
 * scenario injects its fault. Then: every 202 must end terminal; the domains' final states must equal the
 * replay of the accepted commands through the {@link Lifecycle} table (driven by the terminal statuses);
 * every SUCCEEDED command must have exactly the events its transition implies, once (by distinct event id
 * on {@code vm.events}: a republished outcome repeats its event ids, a second effect would make new ones).
 */
final class Workload {
  private static final List<String> OPS = List.of("start", "shutdown", "destroy", "suspend", "resume", "reboot");
  private static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "REJECTED", "CANCELLED", "TIMED_OUT");

  /** One command as sent. */
  record Sent(int index, String domainId, String op, String path, String body, String key, int status,
      String commandId, String answer) {
    boolean accepted() {
      return status == 202;
    }
  }

  private final Api api;
  private final int domains;
  private final int commands;
  private final Random random;
  private final String tag;
  private final String host;
  final List<Sent> sent = new ArrayList<>();
  /** Domain id per domain index, once its define was accepted. */
  private final Map<Integer, String> defined = new LinkedHashMap<>();
  private final Map<String, String> terminal = new HashMap<>();
  private boolean retryUnanswered;
  private int unansweredRetries;

  /**
   * @param commands how many commands in all, the {@code domains} defines included
   * @param host the host every domain is placed on, or null to let the gateway place them
   */
  Workload(Api api, int domains, int commands, long seed, String host) {
    this.api = api;
    this.domains = domains;
    this.commands = Math.max(commands, domains);
    this.random = new Random(seed);
    this.tag = Long.toString(seed & 0xffff, 36) + UUID.randomUUID().toString().substring(0, 4);
    this.host = host;
  }

  /**
   * A request that got no answer at all (the gateway was down) is sent again with the same
   * Idempotency-Key until it is answered, as a careful client does.
   */
  Workload retryingUnanswered() {
    this.retryUnanswered = true;
    return this;
  }

  int unansweredRetries() {
    return unansweredRetries;
  }

  /** Sends the stream; {@code beforeCommand} runs before command i (0-based) is sent. */
  Workload run(IntConsumer beforeCommand) {
    for (int i = 0; i < commands; i++) {
      beforeCommand.accept(i);
      if (i < domains) {
        String name = "r" + tag + "-" + i;
        String body = "{\"name\":\"" + name + "\",\"vcpus\":1,\"memoryMiB\":64,"
            + (host == null ? "" : "\"host\":\"" + host + "\",") + "\"disks\":[{\"target\":\"vda\",\"sizeGiB\":1}]}";
        Sent s = send(i, null, "define", "/v1/domains", body);
        if (s.accepted()) {
          defined.put(i, s.answer() == null ? null : new JsonObject(s.answer()).getString("domainId"));
        }
      } else if (!defined.isEmpty()) {
        List<String> ids = new ArrayList<>(defined.values());
        String domainId = ids.get(random.nextInt(ids.size()));
        String op = OPS.get(random.nextInt(OPS.size()));
        send(i, domainId, op, "/v1/domains/" + domainId + "/" + op, "{}");
      }
    }
    return this;
  }

  private Sent send(int index, String domainId, String op, String path, String body) {
    String key = "rel-" + UUID.randomUUID();
    Api.Answer a = api.post(path, body, key);
    for (int attempt = 0; retryUnanswered && a.status() == 0 && attempt < 240; attempt++) {
      unansweredRetries++;
      sleep(250);
      a = api.post(path, body, key);
    }
    String commandId = null;
    String id = domainId;
    if (a.status() == 202) {
      JsonObject json = a.json();
      commandId = json.getString("commandId");
      id = json.getString("domainId", domainId);
    }
    Sent s = new Sent(index, id, op, path, body, key, a.status(), commandId, a.status() == 202 ? a.body() : null);
    sent.add(s);
    return s;
  }

  List<Sent> accepted() {
    return sent.stream().filter(Sent::accepted).toList();
  }

  /** Waits (up to {@code patience} in all) for every accepted command to end; returns how many did not. */
  int settle(Duration patience) {
    long until = System.nanoTime() + patience.toNanos();
    int lost = 0;
    for (Sent s : accepted()) {
      String status = null;
      while (status == null || !TERMINAL.contains(status)) {
        if (System.nanoTime() > until) {
          break;
        }
        Api.Answer a = api.get("/v1/commands/" + s.commandId() + "?waitMs=2000");
        status = a.status() == 200 ? a.json().getString("status") : null;
        if (a.status() != 200) {
          sleep(200);
        }
      }
      if (status != null && TERMINAL.contains(status)) {
        terminal.put(s.commandId(), status);
      } else {
        lost++;
      }
    }
    return lost;
  }

  /** The counts of the scenario; call after {@link #settle}. */
  JsonObject verify(String bootstrap, String eventsTopic, Duration patience) {
    Map<String, Set<String>> eventIds = eventIdsByCommand(bootstrap, eventsTopic);
    Map<String, List<Sent>> byDomain = new LinkedHashMap<>();
    for (Sent s : accepted()) {
      byDomain.computeIfAbsent(s.domainId(), k -> new ArrayList<>()).add(s);
    }
    int duplicated = 0;
    int missingEffects = 0;
    int modelMismatches = 0;
    Map<String, String> expected = new TreeMap<>();
    Map<String, Integer> statuses = new TreeMap<>();
    for (var entry : byDomain.entrySet()) {
      State state = null;
      Reason reason = null;
      for (Sent s : entry.getValue()) {
        String status = terminal.get(s.commandId());
        if (status == null) {
          continue;
        }
        statuses.merge(status, 1, Integer::sum);
        Request request = requestOf(s.op());
        Transition t = state == null ? Lifecycle.applyToAbsent(entry.getKey(), request)
            : Lifecycle.apply(entry.getKey(), state, reason, request);
        if ("SUCCEEDED".equals(status)) {
          if (t instanceof Transition.Accepted ok) {
            int events = eventIds.getOrDefault(s.commandId(), Set.of()).size();
            duplicated += Math.max(0, events - ok.events().size());
            missingEffects += Math.max(0, ok.events().size() - events);
            state = ok.removed() ? null : ok.state();
            reason = ok.removed() ? null : ok.reason();
          } else {
            modelMismatches++;
          }
        } else if ("REJECTED".equals(status) && t instanceof Transition.Accepted) {
          modelMismatches++;
        }
      }
      expected.put(entry.getKey(), state == null ? "ABSENT" : state.name());
    }
    int stateMismatches = finalStateMismatches(expected, patience);
    long refused = sent.stream().filter(s -> !s.accepted()).count();
    Map<String, Integer> refusedBy = new TreeMap<>();
    sent.stream().filter(s -> !s.accepted()).forEach(s -> refusedBy.merge(Integer.toString(s.status()), 1, Integer::sum));
    return new JsonObject()
        .put("domains", byDomain.size())
        .put("sent", sent.size())
        .put("accepted", accepted().size())
        .put("refused", refused)
        .put("refusedByStatus", new JsonObject(new HashMap<>(refusedBy)))
        .put("terminal", terminal.size())
        .put("lost", accepted().size() - terminal.size())
        .put("statuses", new JsonObject(new HashMap<>(statuses)))
        .put("duplicatedEffects", duplicated)
        .put("missingEffects", missingEffects)
        .put("modelMismatches", modelMismatches)
        .put("finalStateMismatches", stateMismatches);
  }

  private int finalStateMismatches(Map<String, String> expected, Duration patience) {
    long until = System.nanoTime() + patience.toNanos();
    Map<String, String> wrong = new TreeMap<>();
    do {
      wrong.clear();
      for (var e : expected.entrySet()) {
        Api.Answer a = api.get("/v1/domains/" + e.getKey());
        String actual = a.status() == 404 ? "ABSENT" : a.status() == 200 ? a.json().getString("state") : "?" + a.status();
        if (!e.getValue().equals(actual)) {
          wrong.put(e.getKey(), "expected " + e.getValue() + ", found " + actual);
        }
      }
      if (!wrong.isEmpty()) {
        sleep(500);
      }
    } while (!wrong.isEmpty() && System.nanoTime() < until);
    if (!wrong.isEmpty()) {
      System.out.println("final state mismatches: " + wrong);
    }
    return wrong.size();
  }

  private static Request requestOf(String op) {
    return switch (op) {
      case "define" -> Request.of(Operation.DEFINE);
      case "start" -> Request.of(Operation.START);
      case "shutdown" -> Request.of(Operation.SHUTDOWN);
      case "destroy" -> Request.of(Operation.DESTROY);
      case "suspend" -> Request.of(Operation.SUSPEND);
      case "resume" -> Request.of(Operation.RESUME);
      case "reboot" -> Request.of(Operation.REBOOT);
      default -> throw new IllegalArgumentException(op);
    };
  }

  /** Every event on the topic, from the beginning to its current end, grouped by command id. */
  static Map<String, Set<String>> eventIdsByCommand(String bootstrap, String topic) {
    Map<String, Set<String>> out = new HashMap<>();
    try (var consumer = new KafkaConsumer<String, byte[]>(KafkaSettings.reader(bootstrap, "reliability-events"))) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < until) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.value() == null) {
            continue;
          }
          DomainEvent e = Codecs.DOMAIN_EVENT.decode(r.value());
          if (e.getCommandId() != null) {
            out.computeIfAbsent(e.getCommandId(), k -> new HashSet<>()).add(e.getEventId());
          }
        }
      }
    }
    return out;
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
