package io.virtflow.gateway.command;

/** Kafka did not take a command in time: nothing was accepted, the client may retry. */
public final class BusUnavailable extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BusUnavailable(String message, Throwable cause) {
    super(message, cause);
  }
}
