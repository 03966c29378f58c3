package io.virtflow.snapshot.domain;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the snapshot service knows of every domain: where it lives and what state it is in, as the host
 * agents last reported. Snapshot workflows read it to address their disk steps to the right host.
 */
public final class DomainDirectory {

  /**
   * One domain as the snapshot service needs to see it. {@code filesHeld}: its host's hypervisor holds the
   * disks' files while the domain is active (a real QEMU), so that merges of a running domain are live.
   */
  public record Entry(String domainId, String name, String hostId, String state, long version,
      java.util.Map<String, String> disks, boolean guestAgent, boolean filesHeld) {
    public Entry {
      disks = disks == null ? java.util.Map.of() : java.util.Map.copyOf(disks);
    }

    public Entry(String domainId, String name, String hostId, String state, long version,
        java.util.Map<String, String> disks, boolean guestAgent) {
      this(domainId, name, hostId, state, version, disks, guestAgent, false);
    }

    /** A domain whose guest has an agent (as every domain had before the agent became opt-in). */
    public Entry(String domainId, String name, String hostId, String state, long version,
        java.util.Map<String, String> disks) {
      this(domainId, name, hostId, state, version, disks, true);
    }

    public Entry(String domainId, String name, String hostId, String state, long version) {
      this(domainId, name, hostId, state, version, java.util.Map.of());
    }
  }

  private final Map<String, Entry> byId = new ConcurrentHashMap<>();

  /** Applies a newer report; an older version (a stale record replayed) changes nothing. */
  public void put(Entry entry) {
    byId.merge(entry.domainId(), entry, (old, now) -> now.version() >= old.version() ? now : old);
  }

  public void remove(String domainId) {
    byId.remove(domainId);
  }

  public Optional<Entry> find(String domainId) {
    return Optional.ofNullable(byId.get(domainId));
  }

  /** A domain by id or by name. */
  public Optional<Entry> lookup(String idOrName) {
    Entry byIdEntry = byId.get(idOrName);
    if (byIdEntry != null) {
      return Optional.of(byIdEntry);
    }
    return byId.values().stream().filter(e -> e.name().equals(idOrName)).findFirst();
  }

  public int size() {
    return byId.size();
  }
}
