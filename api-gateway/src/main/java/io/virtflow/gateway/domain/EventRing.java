package io.virtflow.gateway.domain;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The last {@code capacity} records of a partitioned topic as one reader met them, shared by every event
 * stream that follows the topic live: each stream keeps only a cursor (a sequence number) into it, so a
 * thousand streams cost one reader and one ring, not a thousand of each.
 *
 * <p>Sequence numbers grow by one per record from 0; record {@code s} is retained while
 * {@code s >= oldest()}. The ring also knows, per partition, the position just before its oldest retained
 * record ({@link #floor}) and after its newest ({@link #current}), so that it can tell whether a resume
 * position ({@link StreamPosition}) lies inside it. Not thread-safe: one context owns it.
 *
 * @param <T> what is kept of each record (null for a record that could not be read)
 */
public final class EventRing<T> {

  /** One record: where it is in the topic, and what it says (null if unreadable). */
  public record Entry<T>(long seq, int partition, long offset, T value) {
  }

  private final Object[] slots;
  private final Map<Integer, Long> floor;
  private final Map<Integer, Long> current;
  private long next;

  /** A ring whose reader starts at {@code start} (the next offset of every partition). */
  public EventRing(int capacity, Map<Integer, Long> start) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.slots = new Object[capacity];
    this.floor = new HashMap<>(start);
    this.current = new HashMap<>(start);
  }

  public void append(int partition, long offset, T value) {
    int slot = (int) (next % slots.length);
    @SuppressWarnings("unchecked")
    Entry<T> evicted = (Entry<T>) slots[slot];
    if (evicted != null) {
      floor.put(evicted.partition(), evicted.offset() + 1);
    }
    slots[slot] = new Entry<>(next, partition, offset, value);
    current.put(partition, offset + 1);
    floor.putIfAbsent(partition, offset);
    next++;
  }

  /** The sequence number the next record will get. */
  public long next() {
    return next;
  }

  /** The oldest retained sequence number ({@code == next()} when empty). */
  public long oldest() {
    return Math.max(0, next - slots.length);
  }

  /** Record {@code seq}, which must be retained ({@code oldest() <= seq < next()}). */
  @SuppressWarnings("unchecked")
  public Entry<T> get(long seq) {
    if (seq < oldest() || seq >= next) {
      throw new IllegalArgumentException("record " + seq + " is not retained (" + oldest() + ".." + next + ")");
    }
    return (Entry<T>) Objects.requireNonNull(slots[(int) (seq % slots.length)]);
  }

  /** The position after the newest record: where a stream that starts now begins. */
  public Map<Integer, Long> current() {
    return Map.copyOf(current);
  }

  /** The position just before the oldest retained record. */
  public Map<Integer, Long> floor() {
    return Map.copyOf(floor);
  }

  /**
   * Where a stream resuming at {@code position} starts reading the ring: the oldest retained sequence
   * (records before {@code position} are then skipped one by one), or empty if the ring does not hold
   * everything after {@code position} (a partition it does not name, or one that is older than the ring
   * or newer than the topic as read).
   */
  public Optional<Long> startFor(Map<Integer, Long> position) {
    if (!position.keySet().equals(current.keySet())) {
      return Optional.empty();
    }
    for (Map.Entry<Integer, Long> p : position.entrySet()) {
      long at = p.getValue();
      if (at < floor.get(p.getKey()) || at > current.get(p.getKey())) {
        return Optional.empty();
      }
    }
    return Optional.of(oldest());
  }

  /** Whether a record of the ring is at or after {@code position}, i.e. one a stream resuming there must see. */
  public static boolean after(Entry<?> entry, Map<Integer, Long> position) {
    Long at = position.get(entry.partition());
    return at == null || entry.offset() >= at;
  }
}
