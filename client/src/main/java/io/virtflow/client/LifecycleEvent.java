package io.virtflow.client;

import java.util.Objects;

import io.virtflow.schema.DomainEvent;

/**
 * One lifecycle event from {@code vm.events}, with the position to store in order to resume right after it.
 *
 * @param event the event as published by the host agent
 * @param position the next offset of every partition once this event is consumed
 * @param partition the partition the event was read from
 * @param offset its offset there
 */
public record LifecycleEvent(DomainEvent event, Position position, int partition, long offset) {
  public LifecycleEvent {
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(position, "position");
  }
}
