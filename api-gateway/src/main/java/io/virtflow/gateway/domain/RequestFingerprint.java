package io.virtflow.gateway.domain;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * The fingerprint compared when an {@code Idempotency-Key} is reused: SHA-256 over the method, the
 * path, the query parameters sorted by name, and the canonical body (keys sorted, no whitespace). Two
 * requests with the same fingerprint are the same request.
 */
public final class RequestFingerprint {
  private RequestFingerprint() {
  }

  public static String of(String method, String path, SortedMap<String, List<String>> query, String canonicalBody) {
    StringBuilder s = new StringBuilder();
    s.append(method).append('\n').append(path).append('\n');
    for (Map.Entry<String, List<String>> e : query.entrySet()) {
      for (String v : e.getValue()) {
        s.append(e.getKey()).append('=').append(v).append('&');
      }
    }
    s.append('\n').append(canonicalBody);
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest(s.toString().getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
