package io.virtflow.devstack.cli;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** How virsh writes things: its tables, its {@code Key: value} blocks, its words for states and reasons. */
final class Text {
  private static final DateTimeFormatter VIRSH_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss Z",
      Locale.ROOT).withZone(ZoneId.systemDefault());
  private static final DateTimeFormatter EVENT_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSZ",
      Locale.ROOT).withZone(ZoneId.systemDefault());

  private Text() {
  }

  /**
   * A table as virsh's {@code vshTable} prints it: a space, the cells padded to their column and three
   * spaces apart, a line of dashes under the header.
   */
  static String table(List<String> header, List<List<String>> rows) {
    int[] width = new int[header.size()];
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    for (List<String> row : all) {
      for (int i = 0; i < width.length; i++) {
        width[i] = Math.max(width[i], row.get(i).length());
      }
    }
    StringBuilder out = new StringBuilder();
    int total = 0;
    for (int w : width) {
      total += w;
    }
    total += 3 * (width.length - 1) + 2;
    for (int r = 0; r < all.size(); r++) {
      StringBuilder line = new StringBuilder(" ");
      List<String> row = all.get(r);
      for (int i = 0; i < width.length; i++) {
        line.append(i == width.length - 1 ? row.get(i) : pad(row.get(i), width[i] + 3));
      }
      out.append(line.toString().stripTrailing()).append('\n');
      if (r == 0) {
        out.append("-".repeat(total)).append('\n');
      }
    }
    return out.toString();
  }

  /** {@code Key:           value} lines, keys padded as {@code virsh dominfo} pads them. */
  static String fields(List<String[]> pairs) {
    StringBuilder out = new StringBuilder();
    for (String[] p : pairs) {
      out.append(pad(p[0].isEmpty() ? "" : p[0] + ":", 16)).append(p[1]).append('\n');
    }
    return out.toString();
  }

  static String[] field(String key, Object value) {
    return new String[] {key, value == null ? "-" : String.valueOf(value)};
  }

  static String pad(String s, int width) {
    return s.length() >= width ? s + " " : s + " ".repeat(width - s.length());
  }

  /** virsh's word for a domain state ({@code virshDomainStateToString}); a define not carried out yet is "pending". */
  static String state(String state) {
    if (state == null) {
      return "pending";
    }
    return switch (state) {
      case "RUNNING" -> "running";
      case "BLOCKED" -> "idle";
      case "PAUSED" -> "paused";
      case "SHUTDOWN" -> "in shutdown";
      case "SHUTOFF" -> "shut off";
      case "CRASHED" -> "crashed";
      case "PMSUSPENDED" -> "pmsuspended";
      case "NOSTATE" -> "no state";
      default -> state.toLowerCase(Locale.ROOT);
    };
  }

  /** A state reason as {@code virsh domstate --reason} writes it: {@code booted}, {@code from snapshot}, ... */
  static String reason(String reason) {
    if (reason == null) {
      return "unknown";
    }
    return switch (reason) {
      case "IOERROR" -> "I/O error";
      case "API_ERROR" -> "API error";
      default -> reason.toLowerCase(Locale.ROOT).replace('_', ' ');
    };
  }

  /** A lifecycle word as virsh's event output has it: {@code Started}, {@code Booted}, {@code I/O error}. */
  static String capitalized(String word) {
    if (word == null || word.isEmpty()) {
      return "Unknown";
    }
    return switch (word) {
      case "IOERROR" -> "I/O error";
      case "API_ERROR" -> "API error";
      case "PMSUSPENDED" -> "PMSuspended";
      case "FROM_SNAPSHOT" -> "Snapshot";
      default -> word.charAt(0) + word.substring(1).toLowerCase(Locale.ROOT).replace('_', ' ');
    };
  }

  /** {@code 2030-01-01 10:00:01 +0000}: virsh's snapshot creation time, in the local zone. */
  static String time(String iso) {
    return format(iso, VIRSH_TIME);
  }

  /** {@code 2030-01-01 10:00:01.123+0000}: virsh's {@code event --timestamp}, in the local zone. */
  static String eventTime(String iso) {
    return format(iso, EVENT_TIME);
  }

  private static String format(String iso, DateTimeFormatter f) {
    if (iso == null) {
      return "-";
    }
    try {
      return f.format(Instant.parse(iso));
    } catch (DateTimeParseException e) {
      return iso;
    }
  }

  static String yesNo(Boolean b) {
    return b == null ? "-" : b ? "yes" : "no";
  }
}
