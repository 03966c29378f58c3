package io.virtflow.gateway.domain;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Optional;

/**
 * Every command the gateway knows, by id. Memory is bounded: beyond {@code cap} finished commands the
 * oldest finished ones are forgotten first; should unfinished ones alone pass twice the cap (agents
 * that never answer), the oldest of any kind go.
 */
public final class CommandBook {

  /** The result of one update. */
  public record Applied(CommandTrack track, CommandTrack.Outcome outcome, boolean becameTerminal) {
  }

  private final int cap;
  private final Map<String, CommandTrack> byId = new LinkedHashMap<>();
  private final LinkedHashSet<String> terminalOrder = new LinkedHashSet<>();
  private final Set<String> open = new LinkedHashSet<>();

  public CommandBook(int cap) {
    if (cap < 1) {
      throw new IllegalArgumentException("cap must be positive");
    }
    this.cap = cap;
  }

  public Applied apply(StatusUpdate u) {
    CommandTrack track = byId.computeIfAbsent(u.commandId(), CommandTrack::new);
    boolean wasTerminal = track.terminal();
    CommandTrack.Outcome outcome = track.apply(u);
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

  private void evict() {
    Iterator<String> oldestDone = terminalOrder.iterator();
    while (terminalOrder.size() > cap && oldestDone.hasNext()) {
      byId.remove(oldestDone.next());
      oldestDone.remove();
    }
    Iterator<Map.Entry<String, CommandTrack>> oldest = byId.entrySet().iterator();
    while (byId.size() > 2L * cap && oldest.hasNext()) {
      String id = oldest.next().getKey();
      terminalOrder.remove(id);
      open.remove(id);
      oldest.remove();
    }
  }
}
