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

import io.virtflow.agent.domain.Event;
import io.virtflow.agent.domain.Fault;
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

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A decoded line: exactly one of the three is set. */
  record Line(Intent intent, Outcome outcome, Cancellation cancellation) {
  }

  /** A Cancel that arrived before its target: the target ends CANCELLED when it comes. */
  record Cancellation(String targetCommandId, String cancelCommandId) {
  }

  private JournalCodec() {
  }

  static String encode(Intent i) {
    ObjectNode n = JSON.createObjectNode().put("kind", INTENT);
    n.put("commandId", i.commandId()).put("domainId", i.domainId()).put("domainName", i.domainName());
    putRequest(n, i.request());
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
    return n.toString();
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
      case INTENT -> new Line(intent(n), null, null);
      case OUTCOME -> new Line(null, outcome(n), null);
      case CANCEL -> new Line(null, null, new Cancellation(text(n, "targetCommandId"), text(n, "cancelCommandId")));
      default -> throw new IOException("unknown record kind '" + kind + "'");
    };
  }

  private static Intent intent(JsonNode n) {
    Request request = new Request(Operation.valueOf(text(n, "operation")), n.path("paused").asBoolean(false),
        n.path("force").asBoolean(false));
    return new Intent(text(n, "commandId"), text(n, "domainId"), text(n, "domainName"), request,
        n.path("versionBefore").asLong(), enumOf(State.class, text(n, "stateBefore")),
        enumOf(Reason.class, text(n, "reasonBefore")), Instant.ofEpochMilli(n.path("at").asLong()));
  }

  private static Outcome outcome(JsonNode n) {
    CommandRef command = new CommandRef(text(n, "commandId"), text(n, "domainId"), text(n, "hostId"),
        text(n, "operation"), text(n, "principal"), text(n, "idempotencyKey"), text(n, "requestHash"));
    List<RecordedEvent> events = new ArrayList<>();
    for (JsonNode e : n.path("events")) {
      Event event = new Event(Event.Type.valueOf(text(e, "type")), Event.Detail.valueOf(text(e, "detail")),
          State.valueOf(text(e, "state")), Reason.valueOf(text(e, "reason")));
      events.add(new RecordedEvent(UUID.fromString(text(e, "eventId")), event,
          Instant.ofEpochMilli(e.path("at").asLong())));
    }
    return new Outcome(command, Outcome.Status.valueOf(text(n, "status")), enumOf(Fault.class, text(n, "fault")),
        text(n, "message"), enumOf(State.class, text(n, "state")), Instant.ofEpochMilli(n.path("at").asLong()),
        text(n, "cancelledBy"), text(n, "domainName"), events);
  }

  private static void putRequest(ObjectNode n, Request r) {
    n.put("operation", r.operation().name()).put("paused", r.paused()).put("force", r.force());
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
