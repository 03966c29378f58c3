package io.virtflow.agent.store;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.virtflow.agent.domain.DiskStep;
import io.virtflow.agent.domain.Event;
import io.virtflow.agent.domain.Fault;
import io.virtflow.agent.domain.Job;
import io.virtflow.agent.domain.Operation;
import io.virtflow.agent.domain.Reason;
import io.virtflow.agent.domain.Request;
import io.virtflow.agent.domain.State;

/**
 * The journal's line format: one JSON object per record, {@code kind} first. Field names are spelled out
 * here, not derived from Java names, so that renaming a field in code cannot silently break old journals.
 * Times are epoch milliseconds.
 */
final class JournalCodec {
  static final String INTENT = "intent";
  static final String OUTCOME = "outcome";
  static final String CANCEL = "cancel";
  static final String JOB = "job";
  static final String JOB_END = "job-end";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A decoded line: exactly one of them is set. */
  record Line(Intent intent, Outcome outcome, Cancellation cancellation, Job job, JobEnd jobEnd) {
  }

  /** A job that let go of its domain. */
  record JobEnd(String domainId, String jobId) {
  }

  /** A Cancel that arrived before its target: the target ends CANCELLED when it comes. */
  record Cancellation(String targetCommandId, String cancelCommandId) {
  }

  private JournalCodec() {
  }

  static String encode(Intent i) {
    ObjectNode n = JSON.createObjectNode().put("kind", INTENT);
    n.put("commandId", i.commandId()).put("domainId", i.domainId()).put("domainName", i.domainName());
    if (i.request() != null) {
      putRequest(n, i.request());
    }
    if (i.step() != null) {
      putStep(n.putObject("step"), i.step());
    }
    n.put("versionBefore", i.versionBefore());
    putEnum(n, "stateBefore", i.stateBefore());
    putEnum(n, "reasonBefore", i.reasonBefore());
    n.put("at", i.at().toEpochMilli());
    return n.toString();
  }

  static String encode(Outcome o) {
    ObjectNode n = JSON.createObjectNode().put("kind", OUTCOME);
    CommandRef c = o.command();
    n.put("commandId", c.commandId()).put("domainId", c.domainId()).put("hostId", c.hostId())
        .put("operation", c.operation()).put("principal", c.principal())
        .put("idempotencyKey", c.idempotencyKey()).put("requestHash", c.requestHash());
    if (c.jobId() != null) {
      n.put("jobId", c.jobId());
    }
    if (c.project() != null) {
      n.put("project", c.project());
    }
    n.put("status", o.status().name());
    putEnum(n, "fault", o.fault());
    n.put("message", o.message());
    putEnum(n, "state", o.state());
    n.put("at", o.at().toEpochMilli());
    n.put("cancelledBy", o.cancelledBy()).put("domainName", o.domainName());
    ArrayNode events = n.putArray("events");
    for (RecordedEvent e : o.events()) {
      events.addObject().put("eventId", e.eventId().toString())
          .put("type", e.event().type().name()).put("detail", e.event().detail().name())
          .put("state", e.event().state().name()).put("reason", e.event().reason().name())
          .put("at", e.at().toEpochMilli());
    }
    if (o.stateChanged()) {
      n.put("stateChanged", true);
    }
    if (o.result() != null) {
      n.put("result", o.result());
    }
    return n.toString();
  }

  static String encode(Job j) {
    return JSON.createObjectNode().put("kind", JOB).put("domainId", j.domainId()).put("jobId", j.id())
        .put("description", j.description()).put("expiresAt", j.expiresAt().toEpochMilli()).toString();
  }

  static String encode(JobEnd e) {
    return JSON.createObjectNode().put("kind", JOB_END).put("domainId", e.domainId()).put("jobId", e.jobId())
        .toString();
  }

  static String encode(Cancellation c) {
    return JSON.createObjectNode().put("kind", CANCEL).put("targetCommandId", c.targetCommandId())
        .put("cancelCommandId", c.cancelCommandId()).toString();
  }

  static Line decode(String line) throws IOException {
    JsonNode n = JSON.readTree(line);
    String kind = text(n, "kind");
    if (kind == null) {
      throw new IOException("record without a kind");
    }
    return switch (kind) {
      case INTENT -> new Line(intent(n), null, null, null, null);
      case OUTCOME -> new Line(null, outcome(n), null, null, null);
      case CANCEL -> new Line(null, null, new Cancellation(text(n, "targetCommandId"), text(n, "cancelCommandId")),
          null, null);
      case JOB -> new Line(null, null, null, new Job(text(n, "domainId"), text(n, "jobId"), text(n, "description"),
          Instant.ofEpochMilli(n.path("expiresAt").asLong())), null);
      case JOB_END -> new Line(null, null, null, null, new JobEnd(text(n, "domainId"), text(n, "jobId")));
      default -> throw new IOException("unknown record kind '" + kind + "'");
    };
  }

  private static Intent intent(JsonNode n) {
    Request request = text(n, "operation") == null ? null
        : new Request(Operation.valueOf(text(n, "operation")), n.path("paused").asBoolean(false),
            n.path("force").asBoolean(false), n.path("removeStorage").asBoolean(false));
    DiskStep step = n.hasNonNull("step") ? step(n.get("step")) : null;
    return new Intent(text(n, "commandId"), text(n, "domainId"), text(n, "domainName"), request, step,
        n.path("versionBefore").asLong(), enumOf(State.class, text(n, "stateBefore")),
        enumOf(Reason.class, text(n, "reasonBefore")), Instant.ofEpochMilli(n.path("at").asLong()));
  }

  private static Outcome outcome(JsonNode n) {
    CommandRef command = new CommandRef(text(n, "commandId"), text(n, "domainId"), text(n, "hostId"),
        text(n, "operation"), text(n, "principal"), text(n, "idempotencyKey"), text(n, "requestHash"),
        text(n, "jobId"), text(n, "project"));
    List<RecordedEvent> events = new ArrayList<>();
    for (JsonNode e : n.path("events")) {
      Event event = new Event(Event.Type.valueOf(text(e, "type")), Event.Detail.valueOf(text(e, "detail")),
          State.valueOf(text(e, "state")), Reason.valueOf(text(e, "reason")));
      events.add(new RecordedEvent(UUID.fromString(text(e, "eventId")), event,
          Instant.ofEpochMilli(e.path("at").asLong())));
    }
    return new Outcome(command, Outcome.Status.valueOf(text(n, "status")), enumOf(Fault.class, text(n, "fault")),
        text(n, "message"), enumOf(State.class, text(n, "state")), Instant.ofEpochMilli(n.path("at").asLong()),
        text(n, "cancelledBy"), text(n, "domainName"), events, n.path("stateChanged").asBoolean(false),
        text(n, "result"));
  }

  private static void putRequest(ObjectNode n, Request r) {
    n.put("operation", r.operation().name()).put("paused", r.paused()).put("force", r.force());
    if (r.removeStorage()) {
      n.put("removeStorage", true);
    }
  }

  private static void putStep(ObjectNode n, DiskStep s) {
    n.put("kind", s.kind().name()).put("target", s.target()).put("file", s.file()).put("source", s.source())
        .put("backing", s.backing()).put("tag", s.tag()).put("paused", s.paused());
  }

  private static DiskStep step(JsonNode n) {
    return new DiskStep(DiskStep.Kind.valueOf(text(n, "kind")), text(n, "target"), text(n, "file"),
        text(n, "source"), text(n, "backing"), text(n, "tag"), n.path("paused").asBoolean(false));
  }

  private static void putEnum(ObjectNode n, String field, Enum<?> value) {
    n.put(field, value == null ? null : value.name());
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static <E extends Enum<E>> E enumOf(Class<E> type, String name) {
    return name == null ? null : Enum.valueOf(type, name);
  }
}
