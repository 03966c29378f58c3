package io.virtflow.agent.domain;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The host's work queue, like libvirt's per-domain job lock: commands of one domain run one at a time in
 * arrival order; different domains run side by side, at most {@code maxRunningDomains} at once, and
 * domains get their turn in the order they became ready. A queued (not started) entry can be cancelled.
 *
 * <p>Not thread-safe: one owner (the agent's context) calls it.
 *
 * @param <T> what is queued (the command and whoever waits for it)
 */
public final class DomainWorkQueue<T> {

  /** One queued or running entry. */
  public record Entry<T>(String domainId, String commandId, T item) {
    public Entry {
      Objects.requireNonNull(domainId, "domainId");
      Objects.requireNonNull(commandId, "commandId");
    }
  }

  private final int maxRunningDomains;
  private final Map<String, ArrayDeque<Entry<T>>> waiting = new HashMap<>();
  private final Map<String, Entry<T>> running = new HashMap<>();
  /** Domains with waiting entries and nothing running, in the order they became ready. */
  private final LinkedHashSet<String> ready = new LinkedHashSet<>();
  private int queued;

  public DomainWorkQueue(int maxRunningDomains) {
    if (maxRunningDomains < 1) {
      throw new IllegalArgumentException("maxRunningDomains must be positive");
    }
    this.maxRunningDomains = maxRunningDomains;
  }

  /** Queues an entry behind every earlier entry of its domain. */
  public void add(Entry<T> entry) {
    waiting.computeIfAbsent(entry.domainId(), d -> new ArrayDeque<>()).addLast(entry);
    queued++;
    if (!running.containsKey(entry.domainId())) {
      ready.add(entry.domainId());
    }
  }

  /** The entries that may start now, each marked running; the caller must {@link #finished} each one. */
  public List<Entry<T>> takeRunnable() {
    List<Entry<T>> out = new ArrayList<>();
    Iterator<String> it = ready.iterator();
    while (running.size() < maxRunningDomains && it.hasNext()) {
      String domainId = it.next();
      it.remove();
      ArrayDeque<Entry<T>> line = waiting.get(domainId);
      Entry<T> next = line.pollFirst();
      if (line.isEmpty()) {
        waiting.remove(domainId);
      }
      queued--;
      running.put(domainId, next);
      out.add(next);
    }
    return out;
  }

  /** The entry of {@code domainId} that runs now, if one does. */
  public java.util.Optional<Entry<T>> runningOf(String domainId) {
    return java.util.Optional.ofNullable(running.get(domainId));
  }

  /** The running entry of {@code domainId} is over: the domain's next entry becomes ready. */
  public void finished(String domainId) {
    if (running.remove(domainId) == null) {
      throw new IllegalStateException("nothing runs for domain " + domainId);
    }
    if (waiting.containsKey(domainId)) {
      ready.add(domainId);
    }
  }

  /** Removes every queued (not started) entry of {@code commandId} and returns them. */
  public List<Entry<T>> cancelQueued(String commandId) {
    List<Entry<T>> removed = new ArrayList<>();
    for (Iterator<Map.Entry<String, ArrayDeque<Entry<T>>>> lines = waiting.entrySet().iterator(); lines.hasNext(); ) {
      Map.Entry<String, ArrayDeque<Entry<T>>> line = lines.next();
      line.getValue().removeIf(e -> {
        boolean match = e.commandId().equals(commandId);
        if (match) {
          removed.add(e);
        }
        return match;
      });
      if (line.getValue().isEmpty()) {
        ready.remove(line.getKey());
        lines.remove();
      }
    }
    queued -= removed.size();
    return removed;
  }

  /** Removes every queued entry (the owner is stopping); running entries stay until finished. */
  public List<Entry<T>> clearQueued() {
    List<Entry<T>> removed = new ArrayList<>();
    waiting.values().forEach(removed::addAll);
    waiting.clear();
    ready.clear();
    queued = 0;
    return removed;
  }

  public boolean isRunning(String commandId) {
    return running.values().stream().anyMatch(e -> e.commandId().equals(commandId));
  }

  public boolean isQueued(String commandId) {
    return waiting.values().stream().flatMap(ArrayDeque::stream).anyMatch(e -> e.commandId().equals(commandId));
  }

  /** Entries waiting for their turn. */
  public int queued() {
    return queued;
  }

  /** Domains with an entry running now. */
  public int runningDomains() {
    return running.size();
  }
}
