package io.virtflow.gateway.domain;

import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every command the gateway knows, by id, and by age ({@link #newestFirst}). Memory is bounded: beyond
 * {@code cap} finished commands the oldest finished ones are forgotten first; should unfinished ones alone
 * pass twice the cap (agents that never answer), the oldest of any kind go.
 */
public final class CommandBook {
  /** Newest {@link CommandTrack#since} first; the id breaks ties, so that no two tracks compare equal. */
  private static final Comparator<CommandTrack> NEWEST_FIRST = Comparator
      .comparing(CommandTrack::since, Comparator.reverseOrder())
      .thenComparing(CommandTrack::commandId);

  /** The result of one update. */
  public record Applied(CommandTrack track, CommandTrack.Outcome outcome, boolean becameTerminal) {
  }

  private final int cap;
  private final Map<String, CommandTrack> byId = new LinkedHashMap<>();
  private final LinkedHashSet<String> terminalOrder = new LinkedHashSet<>();
  private final Set<String> open = new LinkedHashSet<>();
  /**
   * The same tracks ordered by {@link CommandTrack#since}, so that a page of the newest costs its own size.
   * A track's {@code since} only changes when a status older than every one seen arrives: it is taken out
   * before each update and put back after it.
   */
  private final NavigableSet<CommandTrack> byAge = new TreeSet<>(NEWEST_FIRST);

  public CommandBook(int cap) {
    if (cap < 1) {
      throw new IllegalArgumentException("cap must be positive");
    }
    this.cap = cap;
  }

  public Applied apply(StatusUpdate u) {
    CommandTrack track = byId.get(u.commandId());
    if (track == null) {
      track = new CommandTrack(u.commandId());
      byId.put(u.commandId(), track);
    } else {
      byAge.remove(track);
    }
    boolean wasTerminal = track.terminal();
    CommandTrack.Outcome outcome = track.apply(u);
    byAge.add(track);
    boolean became = !wasTerminal && track.terminal();
    if (became) {
      terminalOrder.add(u.commandId());
      open.remove(u.commandId());
    } else if (!track.terminal()) {
      open.add(u.commandId());
    }
    evict();
    return new Applied(track, outcome, became);
  }

  public Optional<CommandTrack> find(String commandId) {
    return Optional.ofNullable(byId.get(commandId));
  }

  public int size() {
    return byId.size();
  }

  /** The commands with no terminal status yet, oldest first. */
  public List<CommandTrack> unfinished() {
    return open.stream().map(byId::get).toList();
  }

  /**
   * Every command, the one that began last first (by {@link CommandTrack#since}; equal times by id). A
   * live view: iterate it on the owning thread and do not update the book meanwhile.
   */
  public Iterable<CommandTrack> newestFirst() {
    return java.util.Collections.unmodifiableSet(byAge);
  }

  private void evict() {
    Iterator<String> oldestDone = terminalOrder.iterator();
    while (terminalOrder.size() > cap && oldestDone.hasNext()) {
      byAge.remove(byId.remove(oldestDone.next()));
      oldestDone.remove();
    }
    Iterator<Map.Entry<String, CommandTrack>> oldest = byId.entrySet().iterator();
    while (byId.size() > 2L * cap && oldest.hasNext()) {
      Map.Entry<String, CommandTrack> e = oldest.next();
      terminalOrder.remove(e.getKey());
      open.remove(e.getKey());
      byAge.remove(e.getValue());
      oldest.remove();
    }
  }
}
