package io.virtflow.gateway;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.CreateSnapshot;
import io.virtflow.schema.DeleteSnapshot;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.ErrorCode;
import io.virtflow.schema.ImageRecord;
import io.virtflow.schema.ReconcileSnapshots;
import io.virtflow.schema.RevertSnapshot;
import io.virtflow.schema.SnapshotCatalog;
import io.virtflow.schema.SnapshotDiskRecord;
import io.virtflow.schema.SnapshotEvent;
import io.virtflow.schema.SnapshotKindCode;
import io.virtflow.schema.SnapshotPhase;
import io.virtflow.schema.SnapshotRecord;
import io.virtflow.schema.SnapshotRequest;

/**
 * TEST FIXTURE — plays the snapshot service's part over the real broker, so that gateway tests do not
 * depend on the snapshot-service module. It reads {@code snapshot.requests} and, for every domain not
 * put in {@link #manual(String) manual} mode, answers as the service does: RUNNING, the in-progress
 * event, the final event with the domain's whole catalog, then SUCCEEDED (REJECTED for a duplicate name
 * or an unknown snapshot). Its catalogs are a toy: one disk {@code vda}, no safety rules, no files.
 * Tests drive manual domains with {@link #status}, {@link #publish} and the event builders.
 */
final class TestSnapshotService implements AutoCloseable {
  static final String HOST = "h1";
  private static final Instant EPOCH = Instant.parse("2030-01-01T00:00:00Z");

  private final BusConfig bus;
  private final Producer<String, byte[]> producer;
  private final KafkaConsumer<String, byte[]> consumer;
  private final Thread thread;
  private final List<SnapshotRequest> received = new ArrayList<>();
  private final Set<String> manualDomains = ConcurrentHashMap.newKeySet();
  private final Map<String, ToyCatalog> catalogs = new HashMap<>();
  private final AtomicLong clock = new AtomicLong();
  private volatile boolean running = true;

  /** One domain's catalog, as the toy keeps it. */
  private static final class ToyCatalog {
    final Map<String, SnapshotRecord> snapshots = new LinkedHashMap<>();
    String current;
    String active;

    ToyCatalog(String domainId) {
      active = "/pool/" + domainId + "-vda.qcow2";
    }

    SnapshotCatalog toAvro() {
      return SnapshotCatalog.newBuilder().setSnapshots(new ArrayList<>(snapshots.values())).setCurrent(current)
          .setActive(Map.of("vda", active))
          .setImages(List.of(ImageRecord.newBuilder().setPath(active).setTarget("vda").build())).build();
    }
  }

  private TestSnapshotService(BusConfig bus) {
    this.bus = bus;
    this.producer = new KafkaProducer<>(KafkaSettings.producer(bus.bootstrap(), "test-snapshot-service", 10_000));
    this.consumer = new KafkaConsumer<>(KafkaSettings.reader(bus.bootstrap(), "test-snapshot-service"));
    this.thread = new Thread(this::consume, "test-snapshot-service");
    this.thread.setDaemon(true);
  }

  static TestSnapshotService start(BusConfig bus) {
    TestSnapshotService s = new TestSnapshotService(bus);
    String topic = bus.topics().snapshotRequests();
    AtomicReference<List<TopicPartition>> found = new AtomicReference<>();
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      found.set(s.consumer.partitionsFor(topic, Duration.ofSeconds(5)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList());
      return !found.get().isEmpty();
    });
    s.consumer.assign(found.get());
    s.consumer.seekToBeginning(found.get());
    found.get().forEach(s.consumer::position);
    s.thread.start();
    return s;
  }

  /** Requests for this domain are only recorded; the test answers them. */
  TestSnapshotService manual(String domainId) {
    manualDomains.add(domainId);
    return this;
  }

  List<SnapshotRequest> requests() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  SnapshotRequest awaitRequest(String commandId) {
    AtomicReference<SnapshotRequest> found = new AtomicReference<>();
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      Optional<SnapshotRequest> r = requests().stream().filter(x -> x.getCommandId().equals(commandId)).findFirst();
      r.ifPresent(found::set);
      return r.isPresent();
    });
    return found.get();
  }

  // ------------------------------------------------------------------------------------------ building blocks

  /** A status of {@code r}, copying what the service copies from the request. */
  void status(SnapshotRequest r, CommandStatusCode code, ErrorCode error, String message, String result, String jobId) {
    CommandStatus s = CommandStatus.newBuilder().setCommandId(r.getCommandId()).setDomainId(r.getDomainId())
        .setHostId(HOST).setOperation(r.getPayload().getClass().getSimpleName()).setStatus(code).setCode(error)
        .setMessage(message).setAt(Instant.now()).setPrincipal(r.getPrincipal())
        .setIdempotencyKey(r.getIdempotencyKey()).setRequestHash(r.getRequestHash()).setResult(result)
        .setJobId(jobId).build();
    send(bus.topics().commandStatus(), r.getCommandId(), Codecs.COMMAND_STATUS.encode(s));
  }

  void publish(SnapshotEvent e) {
    send(bus.topics().snapshotEvents(), e.getDomainId(), Codecs.SNAPSHOT_EVENT.encode(e));
  }

  /** An event of {@code phase}; {@code catalog} may be null. */
  static SnapshotEvent event(String domainId, SnapshotPhase phase, String commandId, String snapshot,
      SnapshotCatalog catalog) {
    return SnapshotEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setDomainId(domainId)
        .setWorkflowId(commandId == null ? UUID.randomUUID().toString() : workflowId(commandId))
        .setCommandId(commandId).setPhase(phase).setSnapshotName(snapshot).setAt(Instant.now().truncatedTo(
            ChronoUnit.MILLIS)).setHostId(HOST).setCatalog(catalog).build();
  }

  /** A catalog of internal snapshots on disk vda, each the child of the one before; the last is current. */
  static SnapshotCatalog chain(String domainId, String... names) {
    List<SnapshotRecord> records = new ArrayList<>();
    String parent = null;
    for (int i = 0; i < names.length; i++) {
      records.add(record(names[i], parent, SnapshotKindCode.INTERNAL, "/pool/" + domainId + "-vda.qcow2", null,
          EPOCH.plusSeconds(i)));
      parent = names[i];
    }
    String file = "/pool/" + domainId + "-vda.qcow2";
    return SnapshotCatalog.newBuilder().setSnapshots(records).setCurrent(parent).setActive(Map.of("vda", file))
        .setImages(List.of(ImageRecord.newBuilder().setPath(file).setTarget("vda").build())).build();
  }

  static SnapshotRecord record(String name, String parent, SnapshotKindCode kind, String file, String overlay,
      Instant createdAt) {
    SnapshotDiskRecord disk = SnapshotDiskRecord.newBuilder().setTarget("vda").setFile(file)
        .setTag(kind == SnapshotKindCode.INTERNAL ? name : null).setOverlay(overlay).build();
    return SnapshotRecord.newBuilder().setName(name).setParent(parent).setKind(kind).setDescription(null)
        .setCreationState(DomainStateCode.SHUTOFF).setOnline(false).setQuiesced(false).setPaused(false)
        .setCreatedAt(createdAt).setDisks(List.of(disk)).build();
  }

  static String workflowId(String commandId) {
    return "wf-" + commandId;
  }

  // ------------------------------------------------------------------------------------------ the toy service

  private void consume() {
    try {
      while (running) {
        for (var rec : consumer.poll(Duration.ofMillis(100))) {
          SnapshotRequest r = Codecs.SNAPSHOT_REQUEST.decode(rec.value());
          synchronized (received) {
            received.add(r);
          }
          if (!manualDomains.contains(r.getDomainId())) {
            answer(r);
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } finally {
      consumer.close();
    }
  }

  private void answer(SnapshotRequest r) {
    String wf = workflowId(r.getCommandId());
    ToyCatalog c = catalogs.computeIfAbsent(r.getDomainId(), ToyCatalog::new);
    Object p = r.getPayload();
    if (p instanceof ReconcileSnapshots) {
      status(r, CommandStatusCode.RUNNING, null, null, null, wf);
      publish(event(r.getDomainId(), SnapshotPhase.RECONCILED, r.getCommandId(), null, null));
      status(r, CommandStatusCode.SUCCEEDED, null, null, "{\"consistent\":true,\"drift\":[]}", wf);
      return;
    }
    String name;
    SnapshotPhase started;
    SnapshotPhase done;
    if (p instanceof CreateSnapshot create) {
      name = create.getName();
      if (c.snapshots.containsKey(name)) {
        status(r, CommandStatusCode.REJECTED, ErrorCode.OPERATION_INVALID, "snapshot '" + name + "' exists", null, null);
        return;
      }
      started = SnapshotPhase.CREATING;
      done = SnapshotPhase.CREATED;
    } else {
      name = p instanceof RevertSnapshot v ? v.getName() : ((DeleteSnapshot) p).getName();
      if (!c.snapshots.containsKey(name)) {
        status(r, CommandStatusCode.REJECTED, ErrorCode.NO_SNAPSHOT, "no snapshot '" + name + "'", null, null);
        return;
      }
      started = p instanceof RevertSnapshot ? SnapshotPhase.REVERTING : SnapshotPhase.DELETING;
      done = p instanceof RevertSnapshot ? SnapshotPhase.REVERTED : SnapshotPhase.DELETED;
    }
    status(r, CommandStatusCode.RUNNING, null, null, null, wf);
    apply(r.getDomainId(), c, p);
    SnapshotEvent inProgress = event(r.getDomainId(), started, r.getCommandId(), name, c.toAvro());
    inProgress.setFiles(List.of(c.active));
    publish(inProgress);
    publish(event(r.getDomainId(), done, r.getCommandId(), name, c.toAvro()));
    status(r, CommandStatusCode.SUCCEEDED, null, null, null, wf);
  }

  private void apply(String domainId, ToyCatalog c, Object p) {
    if (p instanceof CreateSnapshot create) {
      Instant at = EPOCH.plusSeconds(clock.incrementAndGet());
      String overlay = null;
      String file = c.active;
      if (create.getKind() == SnapshotKindCode.EXTERNAL) {
        overlay = "/pool/" + domainId + "-vda." + create.getName() + ".qcow2";
        c.active = overlay;
      }
      SnapshotRecord rec = record(create.getName(), c.current, create.getKind(), file, overlay, at);
      rec.setDescription(create.getDescription());
      rec.setQuiesced(create.getQuiesce());
      c.snapshots.put(create.getName(), rec);
      c.current = create.getName();
    } else if (p instanceof RevertSnapshot revert) {
      c.current = revert.getName();
    } else if (p instanceof DeleteSnapshot delete) {
      SnapshotRecord target = c.snapshots.get(delete.getName());
      if (delete.getChildren() || delete.getChildrenOnly()) {
        descendants(c, delete.getName()).forEach(c.snapshots::remove);
      }
      if (!delete.getChildrenOnly()) {
        if (!delete.getChildren()) {
          // Children move up to the deleted snapshot's parent, as libvirt re-parents them.
          c.snapshots.values().stream().filter(s -> delete.getName().equals(s.getParent()))
              .forEach(s -> s.setParent(target.getParent()));
        }
        c.snapshots.remove(delete.getName());
      }
      if (c.current != null && !c.snapshots.containsKey(c.current)) {
        c.current = delete.getChildrenOnly() ? delete.getName() : target.getParent();
      }
    }
  }

  private static List<String> descendants(ToyCatalog c, String name) {
    List<String> out = new ArrayList<>();
    for (SnapshotRecord s : c.snapshots.values()) {
      if (name.equals(s.getParent())) {
        out.add(s.getName());
        out.addAll(descendants(c, s.getName()));
      }
    }
    return out;
  }

  void send(String topic, String key, byte[] value) {
    try {
      producer.send(new ProducerRecord<>(topic, key, value)).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("test snapshot service could not write to " + topic, e);
    }
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(Duration.ofSeconds(5));
  }
}
