package io.virtflow.agent.store;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

import io.virtflow.agent.domain.Event;

/** A lifecycle event as it was published: its id and time are fixed once, so a republish is identical. */
public record RecordedEvent(UUID eventId, Event event, Instant at) {
  public RecordedEvent {
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(at, "at");
  }
}
