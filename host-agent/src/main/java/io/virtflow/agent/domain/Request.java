package io.virtflow.agent.domain;

import java.util.Objects;

/**
 * One lifecycle operation with its flags: {@code paused} for start ({@code VIR_DOMAIN_START_PAUSED}),
 * {@code force} for undefine (destroy an active domain first). Flags of other operations are ignored.
 */
public record Request(Operation operation, boolean paused, boolean force) {

  public Request {
    Objects.requireNonNull(operation, "operation");
  }

  public static Request of(Operation operation) {
    return new Request(operation, false, false);
  }

  public static Request startPaused() {
    return new Request(Operation.START, true, false);
  }

  public static Request undefine(boolean force) {
    return new Request(Operation.UNDEFINE, false, force);
  }

  @Override
  public String toString() {
    if (operation == Operation.START && paused) {
      return "start(paused)";
    }
    if (operation == Operation.UNDEFINE && force) {
      return "undefine(force)";
    }
    return operation.verb();
  }
}
