package io.virtflow.schema;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The topic names of docs/DESIGN.md §3 under one namespace ({@code virtflow} in production). Tests give
 * each run its own namespace so that many of them share one broker without seeing each other's records.
 */
public final class Topics {
  private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,100}");
  private static final Pattern HOST_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,62}");

  private final String namespace;

  public Topics(String namespace) {
    Objects.requireNonNull(namespace, "namespace");
    if (!NAMESPACE.matcher(namespace).matches()) {
      throw new IllegalArgumentException("invalid topic namespace '" + namespace + "'");
    }
    this.namespace = namespace;
  }

  public static Topics production() {
    return new Topics("virtflow");
  }

  public String namespace() {
    return namespace;
  }

  /** Ingress for commands published on Kafka instead of HTTP. */
  public String commands() {
    return namespace + ".commands";
  }

  /** The one topic a host agent reads. */
  public String hostCommands(String hostId) {
    if (!isValidHostId(hostId)) {
      throw new IllegalArgumentException("invalid host id '" + hostId + "'");
    }
    return namespace + ".host." + hostId + ".commands";
  }

  public String commandStatus() {
    return namespace + ".command.status";
  }

  public String vmEvents() {
    return namespace + ".vm.events";
  }

  public String vmState() {
    return namespace + ".vm.state";
  }

  public String hostStatus() {
    return namespace + ".host.status";
  }

  public String snapshotRequests() {
    return namespace + ".snapshot.requests";
  }

  public String snapshotEvents() {
    return namespace + ".snapshot.events";
  }

  public String dlq() {
    return namespace + ".dlq";
  }

  public String audit() {
    return namespace + ".audit";
  }

  /** Every shared topic (not the per-host command topics). */
  public List<String> shared() {
    return List.of(commands(), commandStatus(), vmEvents(), vmState(), hostStatus(), snapshotRequests(),
        snapshotEvents(), dlq(), audit());
  }

  public static boolean isValidHostId(String hostId) {
    return hostId != null && HOST_ID.matcher(hostId).matches();
  }
}
