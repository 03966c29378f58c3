package io.virtflow.gateway.domain;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The host projection: each host's latest heartbeat. A heartbeat from an older agent incarnation
 * (lower {@code agentEpoch}), or an older one of the same incarnation, is ignored.
 */
public final class HostDirectory {
  private final Map<String, HostView> byId = new HashMap<>();

  /** Returns whether the heartbeat was taken. */
  public boolean upsert(HostView h) {
    HostView old = byId.get(h.hostId());
    if (old != null && (old.agentEpoch() > h.agentEpoch()
        || (old.agentEpoch() == h.agentEpoch() && old.heartbeatAt().isAfter(h.heartbeatAt())))) {
      return false;
    }
    byId.put(h.hostId(), h);
    return true;
  }

  public void remove(String hostId) {
    byId.remove(hostId);
  }

  public Optional<HostView> find(String hostId) {
    return Optional.ofNullable(byId.get(hostId));
  }

  public List<HostView> all() {
    List<HostView> out = new ArrayList<>(byId.values());
    out.sort(Comparator.comparing(HostView::hostId));
    return out;
  }
}
