package io.virtflow.gateway.command;

/**
 * A command durably in Kafka.
 *
 * @param replayed true when this answers a repeated request with the same idempotency key: nothing
 *     new was published
 */
public record Accepted(String commandId, String domainId, boolean replayed) {
  Accepted asReplay() {
    return new Accepted(commandId, domainId, true);
  }
}
