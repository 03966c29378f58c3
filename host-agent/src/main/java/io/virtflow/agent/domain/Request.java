package io.virtflow.agent.domain;

import java.util.Objects;

/**
 * One lifecycle operation with its flags: {@code paused} for start ({@code VIR_DOMAIN_START_PAUSED}),
 * {@code force} for undefine (destroy an active domain first), {@code removeStorage} for undefine (delete
 * every image file of the domain, as {@code virsh undefine --remove-all-storage}). Flags of other
 * operations are ignored.
 */
public record Request(Operation operation, boolean paused, boolean force, boolean removeStorage) {

  public Request {
    Objects.requireNonNull(operation, "operation");
  }

  public Request(Operation operation, boolean paused, boolean force) {
    this(operation, paused, force, false);
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

  public static Request undefine(boolean force, boolean removeStorage) {
    return new Request(Operation.UNDEFINE, false, force, removeStorage);
  }

  @Override
  public String toString() {
    if (operation == Operation.START && paused) {
      return "start(paused)";
    }
    if (operation == Operation.UNDEFINE && (force || removeStorage)) {
      return "undefine(" + (force ? "force" : "") + (force && removeStorage ? "," : "")
          + (removeStorage ? "removeStorage" : "") + ")";
    }
    return operation.verb();
  }
}
