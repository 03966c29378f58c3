package io.virtflow.gateway.http;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtflow.gateway.command.Accepted;
import io.virtflow.gateway.command.GatewayState;
import io.virtflow.gateway.domain.BootSpec;
import io.virtflow.gateway.domain.CommandTrack;
import io.virtflow.gateway.domain.DomainView;
import io.virtflow.gateway.domain.HostView;
import io.virtflow.gateway.domain.InterfaceSpec;
import io.virtflow.gateway.domain.PendingDefines;
import io.virtflow.gateway.domain.SnapshotCatalogView;
import io.virtflow.gateway.domain.SnapshotDirectory;
import io.virtflow.gateway.kafka.BusView;
import io.virtflow.schema.DomainEvent;

/** The JSON documents of the HTTP API. Times are ISO-8601 UTC strings. */
final class Renderings {
  private Renderings() {
  }

  static JsonObject accepted(Accepted a) {
    return new JsonObject().put("commandId", a.commandId()).put("domainId", a.domainId()).put("status", "ACCEPTED");
  }

  /** A domain; {@code snapshotCount} comes from the snapshot catalog projection. */
  static JsonObject domain(DomainView d, int snapshotCount) {
    JsonArray disks = new JsonArray();
    for (DomainView.Disk disk : d.disks()) {
      disks.add(new JsonObject().put("target", disk.target()).put("sizeGiB", disk.sizeGiB())
          .put("format", disk.format()).put("path", disk.path()).put("image", disk.image()));
    }
    JsonArray interfaces = new JsonArray();
    for (InterfaceSpec nic : d.interfaces()) {
      interfaces.add(new JsonObject().put("network", nic.network()).put("mac", nic.mac()));
    }
    BootSpec boot = d.boot();
    return new JsonObject()
        .put("domainId", d.domainId())
        .put("name", d.name())
        .put("host", d.hostId())
        .put("state", d.state())
        .put("reason", d.reason())
        .put("vcpus", d.vcpus())
        .put("memoryMiB", d.memoryMiB())
        .put("disks", disks)
        .put("boot", boot == null ? null : new JsonObject().put("kernel", boot.kernel()).put("initrd", boot.initrd())
            .put("cmdline", boot.cmdline()))
        .put("interfaces", interfaces)
        .put("guestAgent", d.guestAgent())
        .put("guestAgentConnected", d.guestAgentConnected())
        .put("snapshotCount", snapshotCount)
        .put("version", d.version())
        .put("updatedAt", time(d.updatedAt()))
        .put("pending", false);
  }

  /** A define accepted but not yet carried out: addressable, with no state yet. */
  static JsonObject pendingDomain(PendingDefines.Pending p) {
    return new JsonObject()
        .put("domainId", p.domainId())
        .put("name", p.name())
        .put("host", p.hostId())
        .put("state", null)
        .put("reason", null)
        .put("memoryMiB", p.memoryMiB())
        .put("disks", new JsonArray())
        .put("boot", null)
        .put("interfaces", new JsonArray())
        .put("guestAgent", null)
        .put("guestAgentConnected", null)
        .put("snapshotCount", 0)
        .put("version", 0)
        .put("updatedAt", null)
        .put("pending", true)
        .put("commandId", p.commandId());
  }

  /**
   * A host. {@code details}: with {@code driverFacts} and {@code driverMessage} (admins); without, the keys
   * are left out. {@code heartbeatAgeMs} is how long ago the host was last known alive, at {@code now}.
   */
  static JsonObject host(HostView h, boolean up, long reservedMiB, Instant now, boolean details) {
    JsonObject o = new JsonObject()
        .put("hostId", h.hostId())
        .put("status", up ? "UP" : "DOWN")
        .put("capacity", new JsonObject().put("vcpus", h.vcpus()).put("memoryMiB", h.memoryMiB()))
        .put("memoryMiBUsed", h.memoryMiBUsed())
        .put("memoryMiBFree", h.freeMiB())
        .put("memoryMiBReserved", reservedMiB)
        .put("domainCount", h.domainCount())
        .put("queuedCommands", h.queuedCommands())
        .put("driver", h.driver())
        .put("driverBreaker", h.driverBreaker())
        .put("driverConnected", h.driverConnected());
    if (details) {
      o.put("driverMessage", h.driverMessage())
          .put("driverFacts", new JsonObject(new LinkedHashMap<String, Object>(h.driverFacts())));
    }
    return o.put("images", new JsonArray(new ArrayList<Object>(h.images())))
        .put("loopLagMs", h.loopLagMs())
        .put("agentEpoch", h.agentEpoch())
        .put("startedAt", time(h.startedAt()))
        .put("lastHeartbeat", time(h.heartbeatAt()))
        .put("heartbeatAgeMs", Math.max(0, java.time.Duration.between(h.lastSeen(), now).toMillis()));
  }

  /**
   * A command in {@code GET /v1/commands}: the status document without its {@code result} and
   * {@code history} (a list stays small), with when it began, its domain's name when known, and whether a
   * cancel of it can be accepted.
   */
  static JsonObject commandListed(CommandTrack t, String domainName) {
    return new JsonObject()
        .put("commandId", t.commandId())
        .put("domainId", t.domainId())
        .put("domain", domainName)
        .put("hostId", t.hostId())
        .put("operation", t.operation())
        .put("status", t.phase().name())
        .put("terminal", t.terminal())
        .put("code", t.code())
        .put("message", t.message())
        .put("domainState", t.domainState())
        .put("jobId", t.jobId())
        .put("since", time(t.since()))
        .put("updatedAt", time(t.updatedAt()))
        .put("cancellable", t.cancellable());
  }

  static JsonObject command(CommandTrack t) {
    JsonArray history = new JsonArray();
    for (CommandTrack.Step step : t.history()) {
      history.add(new JsonObject().put("status", step.phase().name()).put("at", time(step.at())));
    }
    return new JsonObject()
        .put("commandId", t.commandId())
        .put("domainId", t.domainId())
        .put("hostId", t.hostId())
        .put("operation", t.operation())
        .put("status", t.phase().name())
        .put("terminal", t.terminal())
        .put("code", t.code())
        .put("message", t.message())
        .put("domainState", t.domainState())
        .put("result", result(t.result()))
        .put("jobId", t.jobId())
        .put("updatedAt", time(t.updatedAt()))
        .put("history", history);
  }

  /** A command's result: the JSON value it holds, or the text itself when it is not JSON. */
  static Object result(String text) {
    if (text == null) {
      return null;
    }
    try {
      return Json.decodeValue(text);
    } catch (DecodeException e) {
      return text;
    }
  }

  static JsonObject snapshotTree(GatewayState.Target domain, SnapshotDirectory.Entry entry) {
    SnapshotCatalogView catalog = entry.catalog();
    JsonArray snapshots = new JsonArray();
    for (SnapshotCatalogView.SnapshotView s : catalog.snapshots()) {
      snapshots.add(snapshot(s, catalog));
    }
    SnapshotDirectory.InProgress ip = entry.inProgress();
    return new JsonObject()
        .put("domainId", domain.domainId())
        .put("domain", domain.name())
        .put("current", catalog.current())
        .put("snapshots", snapshots)
        .put("inProgress", ip == null ? null : new JsonObject()
            .put("phase", ip.phase())
            .put("snapshot", ip.snapshot())
            .put("commandId", ip.commandId())
            .put("since", time(ip.since())));
  }

  static JsonObject snapshot(SnapshotCatalogView.SnapshotView s, SnapshotCatalogView catalog) {
    JsonArray disks = new JsonArray();
    for (SnapshotCatalogView.Disk d : s.disks()) {
      JsonObject disk = new JsonObject().put("target", d.target()).put("file", d.file());
      if (d.tag() != null) {
        disk.put("tag", d.tag());
      }
      if (d.overlay() != null) {
        disk.put("overlay", d.overlay());
      }
      disks.add(disk);
    }
    return new JsonObject()
        .put("name", s.name())
        .put("parent", s.parent())
        .put("children", new JsonArray(catalog.children(s.name())))
        .put("current", s.name().equals(catalog.current()))
        .put("kind", s.kind().name())
        .put("description", s.description())
        .put("state", s.creationState())
        .put("createdAt", time(s.createdAt()))
        .put("indications", new JsonObject().put("online", s.online()).put("quiesced", s.quiesced())
            .put("paused", s.paused()))
        .put("disks", disks);
  }

  /** {@code GET /v1/bus}: topics with their partitions' offsets, the groups with their lag, the dead letters. */
  static JsonObject bus(BusView.Report r) {
    JsonArray topics = new JsonArray();
    for (BusView.TopicOffsets t : r.topics()) {
      JsonArray parts = new JsonArray();
      for (BusView.PartitionOffsets p : t.partitions()) {
        parts.add(new JsonObject().put("partition", p.partition()).put("startOffset", p.startOffset())
            .put("endOffset", p.endOffset()));
      }
      topics.add(new JsonObject().put("topic", t.topic()).put("records", t.records()).put("partitions", parts));
    }
    JsonArray groups = new JsonArray();
    for (BusView.Group g : r.groups()) {
      JsonArray parts = new JsonArray();
      for (BusView.GroupPartition p : g.partitions()) {
        parts.add(new JsonObject().put("topic", p.topic()).put("partition", p.partition())
            .put("committed", p.committed()).put("endOffset", p.endOffset()).put("lag", p.lag()));
      }
      groups.add(new JsonObject().put("group", g.groupId()).put("state", g.state())
          .put("members", g.members() < 0 ? null : g.members()).put("lag", g.lag()).put("partitions", parts));
    }
    BusView.DeadLetters d = r.deadLetters();
    JsonArray latest = new JsonArray();
    for (BusView.DeadLetter l : d.latest()) {
      latest.add(new JsonObject().put("partition", l.partition()).put("offset", l.offset())
          .put("timestamp", time(l.timestamp())).put("key", l.key()).put("valueBytes", l.valueBytes())
          .put("headers", new JsonObject(new LinkedHashMap<String, Object>(l.headers()))));
    }
    return new JsonObject()
        .put("namespace", r.namespace())
        .put("at", time(r.at()))
        .put("topics", topics)
        .put("groups", groups)
        .put("groupsError", r.groupsError())
        .put("deadLetters", new JsonObject().put("topic", d.topic()).put("count", d.count()).put("latest", latest)
            .put("error", d.error()));
  }

  static JsonObject event(DomainEvent e) {
    return new JsonObject()
        .put("eventId", e.getEventId())
        .put("domainId", e.getDomainId())
        .put("domainName", e.getDomainName())
        .put("hostId", e.getHostId())
        .put("type", e.getType().name())
        .put("detail", e.getDetail().name())
        .put("state", e.getState().name())
        .put("reason", e.getReason().name())
        .put("at", time(e.getAt()))
        .put("commandId", e.getCommandId());
  }

  private static String time(Instant t) {
    return t == null ? null : t.toString();
  }
}
