package io.virtflow.gateway.domain;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A resume position in the event stream, carried in each SSE event's {@code id}: the next offset of
 * every partition after that event, as {@code p0-o12.p1-o7.p2-o0}. A client that reconnects with it in
 * {@code Last-Event-ID} gets exactly the events after that one.
 */
public final class StreamPosition {
  private static final int MAX_LENGTH = 8192;
  private static final int MAX_PARTITION = 100_000;
  private static final Pattern PART = Pattern.compile("p(\\d{1,6})-o(\\d{1,18})");

  private StreamPosition() {
  }

  public static String format(Map<Integer, Long> nextOffsets) {
    StringBuilder s = new StringBuilder();
    for (Map.Entry<Integer, Long> e : new TreeMap<>(nextOffsets).entrySet()) {
      if (s.length() > 0) {
        s.append('.');
      }
      s.append('p').append(e.getKey()).append("-o").append(e.getValue());
    }
    return s.toString();
  }

  /** The next offsets named by a position, or empty if it is not one this gateway wrote. */
  public static Optional<Map<Integer, Long>> parse(String position) {
    if (position == null || position.isEmpty() || position.length() > MAX_LENGTH) {
      return Optional.empty();
    }
    Map<Integer, Long> out = new TreeMap<>();
    for (String part : position.split("\\.", -1)) {
      Matcher m = PART.matcher(part);
      if (!m.matches()) {
        return Optional.empty();
      }
      int partition = Integer.parseInt(m.group(1));
      long offset = Long.parseLong(m.group(2));
      if (partition > MAX_PARTITION || out.put(partition, offset) != null) {
        return Optional.empty();
      }
    }
    return Optional.of(out);
  }
}
