package io.virtflow.client;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A place in the lifecycle event stream to resume from: the next offset of every partition of
 * {@code vm.events}. Its text form is the gateway's SSE id ({@code p0-o12.p1-o7.p2-o3}), so a position
 * stored from either door resumes with the other. Two more forms name the ends of the stream:
 * {@code earliest} (every event still retained) and {@code latest} (only events published from now on).
 *
 * <p>Resuming from a position yields exactly the events after the one that carried it. A partition the
 * position does not name (added to the topic later) is read from its beginning; an offset no longer
 * retained is read from the earliest one still there.
 */
public final class Position {
  private static final Pattern PART = Pattern.compile("p(\\d{1,6})-o(\\d{1,18})");
  private static final String EARLIEST = "earliest";
  private static final String LATEST = "latest";
  private static final Position EARLIEST_POSITION = new Position(Collections.emptySortedMap(), false);
  private static final Position LATEST_POSITION = new Position(Collections.emptySortedMap(), true);

  private final SortedMap<Integer, Long> next;
  private final boolean latest;

  private Position(SortedMap<Integer, Long> next, boolean latest) {
    this.next = next;
    this.latest = latest;
  }

  /** Every event still retained. */
  public static Position earliest() {
    return EARLIEST_POSITION;
  }

  /** Only the events published after the reader is positioned. */
  public static Position latest() {
    return LATEST_POSITION;
  }

  /** A position from the next offset of each partition. */
  public static Position of(Map<Integer, Long> nextOffsets) {
    Objects.requireNonNull(nextOffsets, "nextOffsets");
    if (nextOffsets.isEmpty()) {
      return EARLIEST_POSITION;
    }
    TreeMap<Integer, Long> copy = new TreeMap<>();
    nextOffsets.forEach((p, o) -> {
      if (p == null || o == null || p < 0 || o < 0) {
        throw new IllegalArgumentException("partitions and offsets must be >= 0: " + nextOffsets);
      }
      copy.put(p, o);
    });
    return new Position(Collections.unmodifiableSortedMap(copy), false);
  }

  /**
   * Reads a position written by {@link #toString()} or by the gateway (an SSE event's id).
   *
   * @throws IllegalArgumentException naming what is wrong with the text
   */
  public static Position parse(String text) {
    Objects.requireNonNull(text, "text");
    if (text.equals(EARLIEST)) {
      return EARLIEST_POSITION;
    }
    if (text.equals(LATEST)) {
      return LATEST_POSITION;
    }
    TreeMap<Integer, Long> out = new TreeMap<>();
    for (String part : text.split("\\.", -1)) {
      Matcher m = PART.matcher(part);
      if (!m.matches()) {
        throw new IllegalArgumentException("not a stream position: '" + Json.abbreviate(text)
            + "' (expected 'earliest', 'latest' or p<partition>-o<offset> parts joined by '.', e.g. p0-o12.p1-o7)");
      }
      if (out.put(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2))) != null) {
        throw new IllegalArgumentException("not a stream position: partition " + m.group(1) + " named twice in '"
            + Json.abbreviate(text) + "'");
      }
    }
    return of(out);
  }

  public boolean isEarliest() {
    return !latest && next.isEmpty();
  }

  public boolean isLatest() {
    return latest;
  }

  /** The next offset to read in each partition named; empty for {@code earliest} and {@code latest}. */
  public SortedMap<Integer, Long> nextOffsets() {
    return next;
  }

  @Override
  public String toString() {
    if (latest) {
      return LATEST;
    }
    if (next.isEmpty()) {
      return EARLIEST;
    }
    StringBuilder s = new StringBuilder();
    next.forEach((p, o) -> {
      if (s.length() > 0) {
        s.append('.');
      }
      s.append('p').append(p).append("-o").append(o);
    });
    return s.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Position other && other.latest == latest && other.next.equals(next);
  }

  @Override
  public int hashCode() {
    return next.hashCode() * 31 + Boolean.hashCode(latest);
  }
}
