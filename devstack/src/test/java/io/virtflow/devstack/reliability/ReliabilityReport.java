package io.virtflow.devstack.reliability;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rewrites the results table of {@code docs/RELIABILITY.md} (between {@code <!-- results:begin -->} and
 * {@code <!-- results:end -->}) from the scenarios' JSON lines, the last line of each scenario winning.
 * Plain Java, no dependency: {@code java ReliabilityReport.java results.jsonl docs/RELIABILITY.md}.
 */
public final class ReliabilityReport {
  static final String BEGIN = "<!-- results:begin -->";
  static final String END = "<!-- results:end -->";
  private static final List<String> COLUMNS = List.of("sent", "accepted", "refused", "terminal", "lost",
      "duplicatedEffects", "missingEffects", "modelMismatches", "finalStateMismatches");

  private ReliabilityReport() {
  }

  public static void main(String[] args) throws IOException {
    Path results = Path.of(args[0]);
    Path doc = Path.of(args[1]);
    Map<String, Map<String, Object>> last = new TreeMap<>();
    for (String line : Files.readAllLines(results, StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        @SuppressWarnings("unchecked")
        Map<String, Object> row = (Map<String, Object>) new Json(line).value();
        last.put(String.valueOf(row.get("scenario")), row);
      }
    }
    String text = Files.readString(doc, StandardCharsets.UTF_8);
    int b = text.indexOf(BEGIN);
    int e = text.indexOf(END);
    if (b < 0 || e < b) {
      throw new IllegalStateException(doc + " has no " + BEGIN + " ... " + END + " block");
    }
    Files.writeString(doc, text.substring(0, b + BEGIN.length()) + "\n" + table(last) + text.substring(e),
        StandardCharsets.UTF_8);
    System.out.println("wrote " + last.size() + " scenario(s) to " + doc);
  }

  static String table(Map<String, Map<String, Object>> rows) {
    StringBuilder out = new StringBuilder();
    out.append("| scenario | scale | sent | accepted (202) | refused | terminal | lost | duplicated effects "
        + "| missing effects | model mismatches | final state mismatches | more | run at |\n");
    out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Map<String, Object> r : rows.values()) {
      out.append("| ").append(r.get("scenario")).append(" | ").append(r.get("scale"));
      for (String c : COLUMNS) {
        Object v = r.get(c);
        out.append(" | ").append(v == null ? "–" : v);
      }
      List<String> more = new ArrayList<>();
      for (var entry : r.entrySet()) {
        if (!COLUMNS.contains(entry.getKey()) && !List.of("scenario", "scale", "at").contains(entry.getKey())) {
          more.add(entry.getKey() + ": " + render(entry.getValue()));
        }
      }
      out.append(" | ").append(String.join("; ", more).replace("|", "/")).append(" | ").append(r.get("at"))
          .append(" |\n");
    }
    return out.toString();
  }

  private static String render(Object v) {
    if (v instanceof Map<?, ?> m) {
      List<String> parts = new ArrayList<>();
      m.forEach((k, x) -> parts.add(k + " " + render(x)));
      return "{" + String.join(", ", parts) + "}";
    }
    return String.valueOf(v);
  }

  /** Just enough JSON for the results file: objects, strings, numbers, booleans, null. */
  private static final class Json {
    private final String s;
    private int i;

    Json(String s) {
      this.s = s;
    }

    Object value() {
      skip();
      char c = s.charAt(i);
      if (c == '{') {
        Map<String, Object> m = new LinkedHashMap<>();
        i++;
        skip();
        if (s.charAt(i) == '}') {
          i++;
          return m;
        }
        while (true) {
          skip();
          String key = string();
          skip();
          i++; // ':'
          m.put(key, value());
          skip();
          if (s.charAt(i++) == '}') {
            return m;
          }
        }
      }
      if (c == '"') {
        return string();
      }
      int start = i;
      while (i < s.length() && ",}] ".indexOf(s.charAt(i)) < 0) {
        i++;
      }
      String word = s.substring(start, i);
      return switch (word) {
        case "true" -> Boolean.TRUE;
        case "false" -> Boolean.FALSE;
        case "null" -> null;
        default -> word;
      };
    }

    private String string() {
      StringBuilder b = new StringBuilder();
      i++; // opening quote
      while (s.charAt(i) != '"') {
        char c = s.charAt(i++);
        if (c == '\\') {
          char n = s.charAt(i++);
          if (n == 'u') {
            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
            i += 4;
          } else {
            b.append(switch (n) {
              case 'n' -> '\n';
              case 't' -> '\t';
              default -> n;
            });
          }
        } else {
          b.append(c);
        }
      }
      i++;
      return b.toString();
    }

    private void skip() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
    }
  }
}
