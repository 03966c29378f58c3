package io.virtflow.gateway.http;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;

/** Strict reading of query parameters: unknown or repeated ones are refused, values are typed. */
final class Params {
  private Params() {
  }

  /** Refuses any parameter not in {@code allowed}, or given twice. */
  static void only(RoutingContext ctx, Set<String> allowed) {
    MultiMap params = ctx.queryParams();
    for (String name : params.names()) {
      if (!allowed.contains(name)) {
        throw ApiError.badParameter(name, "unknown query parameter (expected one of " + new java.util.TreeSet<>(allowed)
            + ")");
      }
      if (params.getAll(name).size() > 1) {
        throw ApiError.badParameter(name, "given more than once");
      }
    }
  }

  static String string(RoutingContext ctx, String name) {
    String v = ctx.queryParams().get(name);
    return v == null || v.isEmpty() ? null : v;
  }

  /** {@code ?force}, {@code ?force=true}, {@code ?force=1} are true; absent, {@code false}, {@code 0} false. */
  static boolean flag(RoutingContext ctx, String name) {
    String v = ctx.queryParams().get(name);
    if (v == null) {
      return false;
    }
    switch (v.toLowerCase(Locale.ROOT)) {
      case "", "true", "1" -> {
        return true;
      }
      case "false", "0" -> {
        return false;
      }
      default -> throw ApiError.badParameter(name, "must be true or false, got '" + v + "'");
    }
  }

  /** A whole number in [min, max], or null when absent. */
  static Long number(RoutingContext ctx, String name, long min, long max) {
    String v = ctx.queryParams().get(name);
    if (v == null) {
      return null;
    }
    long n;
    try {
      n = Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw ApiError.badParameter(name, "must be a whole number, got '" + v + "'");
    }
    if (n < min || n > max) {
      throw ApiError.badParameter(name, "must be between " + min + " and " + max + ", got " + n);
    }
    return n;
  }

  /** The query as a sorted map, for request fingerprints. */
  static SortedMap<String, List<String>> sorted(RoutingContext ctx) {
    SortedMap<String, List<String>> out = new TreeMap<>();
    for (Map.Entry<String, String> e : ctx.queryParams()) {
      out.computeIfAbsent(e.getKey(), k -> new java.util.ArrayList<>()).add(e.getValue());
    }
    return out;
  }
}
