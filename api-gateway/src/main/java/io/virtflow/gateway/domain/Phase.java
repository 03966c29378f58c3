package io.virtflow.gateway.domain;

/**
 * A command's status (DESIGN §4): ACCEPTED → RUNNING → one terminal status. Statuses come from
 * different producers (the gateway writes ACCEPTED, the agent the rest) and may be read out of order,
 * so a command's status only ever moves up in {@link #rank()}. The names equal the Avro
 * {@code CommandStatusCode} symbols.
 */
public enum Phase {
  ACCEPTED(0), RUNNING(1), SUCCEEDED(2), FAILED(2), REJECTED(2), CANCELLED(2), TIMED_OUT(2);

  private final int rank;

  Phase(int rank) {
    this.rank = rank;
  }

  public int rank() {
    return rank;
  }

  public boolean terminal() {
    return rank == 2;
  }
}
