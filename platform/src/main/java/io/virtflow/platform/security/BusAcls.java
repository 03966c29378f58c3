package io.virtflow.platform.security;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import io.virtflow.schema.Topics;

/**
 * Who may do what on the bus (docs/SECURITY.md, "Kafka bus"): one Kafka user per service, least privilege.
 * A host agent reads only its own command topic and writes only statuses, events, state, heartbeats and
 * dead letters; the gateway and the snapshot service write command topics but never read them. Every
 * service may DESCRIBE the shared topics, so that its start-up check finds them and creates nothing (the
 * set-up tool, {@link BusSetup}, creates them as the super user {@code admin}).
 */
public final class BusAcls {
  public static final String ADMIN = "admin";
  public static final String GATEWAY = "gateway";
  public static final String SNAPSHOT = "snapshot";
  /** The snapshot service's consumer group (snapshot-service {@code SnapshotService}). */
  public static final String SNAPSHOT_GROUP = "virtflow-snapshot-service";

  private final Topics topics;

  public BusAcls(Topics topics) {
    this.topics = topics;
  }

  /** The Kafka user of the agent of {@code hostId}. */
  public static String agentUser(String hostId) {
    if (!Topics.isValidHostId(hostId)) {
      throw new IllegalArgumentException("not a host id: " + hostId);
    }
    return "agent-" + hostId;
  }

  /** The host id of an agent user, or null if {@code user} is not an agent's. */
  public static String hostOf(String user) {
    if (!user.startsWith("agent-")) {
      return null;
    }
    String host = user.substring("agent-".length());
    return Topics.isValidHostId(host) ? host : null;
  }

  public static String principal(String user) {
    return "User:" + user;
  }

  /** The consumer group an agent commits in (host-agent {@code HostAgentVerticle}). */
  public static String agentGroup(String hostId) {
    return "virtflow-agent-" + hostId;
  }

  /** The Kafka door's consumer group (api-gateway {@code GatewayVerticle}). */
  public String gatewayRouterGroup() {
    return topics.namespace() + "-gateway-router";
  }

  /**
   * The gateway's dead-letter sweep (api-gateway {@code DeadLetterSweep}): reads the five projection topics
   * and parks their undecodable records once per namespace.
   */
  public String gatewaySweepGroup() {
    return topics.namespace() + "-gateway-dlq-sweep";
  }

  /** The prefix every host command topic starts with. */
  public String hostTopicPrefix() {
    return topics.namespace() + ".host.";
  }

  public List<AclBinding> agent(String hostId) {
    String p = principal(agentUser(hostId));
    List<AclBinding> out = new ArrayList<>();
    out.add(topic(p, topics.hostCommands(hostId), AclOperation.READ));
    out.add(group(p, agentGroup(hostId), AclOperation.READ));
    // Fencing: the agent reads host.status (assigned, no group) for the newest epoch of its host id.
    out.add(topic(p, topics.hostStatus(), AclOperation.READ));
    // The change feed: at start it reads the states it last published, to find what changed while it was down.
    out.add(topic(p, topics.vmState(), AclOperation.READ));
    for (String t : List.of(topics.commandStatus(), topics.vmEvents(), topics.vmState(), topics.hostStatus(),
        topics.dlq())) {
      out.add(topic(p, t, AclOperation.WRITE));
    }
    out.addAll(describeShared(p));
    return out;
  }

  public List<AclBinding> gateway() {
    String p = principal(GATEWAY);
    List<AclBinding> out = new ArrayList<>();
    // Any host's commands, and the topic of a host it sees first: written, never read.
    out.add(prefixed(p, hostTopicPrefix(), AclOperation.WRITE));
    out.add(prefixed(p, hostTopicPrefix(), AclOperation.CREATE));
    for (String t : List.of(topics.commands(), topics.commandStatus(), topics.vmEvents(), topics.vmState(),
        topics.hostStatus(), topics.snapshotEvents())) {
      out.add(topic(p, t, AclOperation.READ));
    }
    out.add(group(p, gatewayRouterGroup(), AclOperation.READ));
    out.add(group(p, gatewaySweepGroup(), AclOperation.READ));
    for (String t : List.of(topics.commandStatus(), topics.snapshotRequests(), topics.audit(), topics.dlq())) {
      out.add(topic(p, t, AclOperation.WRITE));
    }
    out.addAll(describeShared(p));
    return out;
  }

  public List<AclBinding> snapshot() {
    String p = principal(SNAPSHOT);
    List<AclBinding> out = new ArrayList<>();
    // Disk steps go to the agents: write any host's commands, never read them.
    out.add(prefixed(p, hostTopicPrefix(), AclOperation.WRITE));
    for (String t : List.of(topics.snapshotRequests(), topics.snapshotEvents(), topics.commandStatus(),
        topics.vmState())) {
      out.add(topic(p, t, AclOperation.READ));
    }
    out.add(group(p, SNAPSHOT_GROUP, AclOperation.READ));
    for (String t : List.of(topics.snapshotEvents(), topics.commandStatus(), topics.dlq())) {
      out.add(topic(p, t, AclOperation.WRITE));
    }
    out.addAll(describeShared(p));
    return out;
  }

  /** Every binding for the gateway, the snapshot service and the agents of {@code hostIds}. */
  public List<AclBinding> all(Collection<String> hostIds) {
    List<AclBinding> out = new ArrayList<>(gateway());
    out.addAll(snapshot());
    hostIds.forEach(h -> out.addAll(agent(h)));
    return out;
  }

  private List<AclBinding> describeShared(String principal) {
    return topics.shared().stream().map(t -> topic(principal, t, AclOperation.DESCRIBE)).toList();
  }

  private static AclBinding topic(String principal, String name, AclOperation op) {
    return allow(new ResourcePattern(ResourceType.TOPIC, name, PatternType.LITERAL), principal, op);
  }

  private static AclBinding prefixed(String principal, String prefix, AclOperation op) {
    return allow(new ResourcePattern(ResourceType.TOPIC, prefix, PatternType.PREFIXED), principal, op);
  }

  private static AclBinding group(String principal, String name, AclOperation op) {
    return allow(new ResourcePattern(ResourceType.GROUP, name, PatternType.LITERAL), principal, op);
  }

  private static AclBinding allow(ResourcePattern pattern, String principal, AclOperation op) {
    return new AclBinding(pattern, new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW));
  }
}
