package io.virtflow.gateway.domain;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A request refused before anything was touched: nothing reaches Kafka. The {@link Kind} says what
 * sort of refusal it is (the HTTP adapter turns it into a status), the {@link FailureCode} is what a
 * client matches on, and {@link #field()} names the offending input when there is one.
 */
public final class Refusal extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What sort of refusal this is. */
  public enum Kind {
    /** The request itself is malformed or out of range. */
    INVALID,
    /** It names something that does not exist. */
    NOT_FOUND,
    /** It contradicts the current state (a name in use, a command already finished). */
    CONFLICT,
    /** An idempotency key already used for a different request. */
    KEY_REUSED,
    /** Nothing can carry it out now (no host is up). */
    UNAVAILABLE,
    /** The principal's role may not do this. */
    FORBIDDEN,
    /** No valid token. */
    UNAUTHENTICATED
  }

  private final Kind kind;
  private final FailureCode code;
  private final String field;

  public Refusal(Kind kind, FailureCode code, String field, String message) {
    super(Objects.requireNonNull(message), null, false, false);
    this.kind = Objects.requireNonNull(kind);
    this.code = Objects.requireNonNull(code);
    this.field = field;
  }

  public static Refusal invalid(String field, String message) {
    return new Refusal(Kind.INVALID, FailureCode.INVALID_ARG, field, field == null ? message : field + ": " + message);
  }

  public static Refusal noDomain(String ref) {
    return new Refusal(Kind.NOT_FOUND, FailureCode.NO_DOMAIN, null, "no domain with id or name '" + ref + "'");
  }

  public static Refusal noSnapshot(String domainName, String snapshot) {
    return new Refusal(Kind.NOT_FOUND, FailureCode.NO_SNAPSHOT, null,
        "domain '" + domainName + "' has no snapshot '" + snapshot + "'");
  }

  /** The request is well-formed but this kind of operation cannot do what it asks. */
  public static Refusal unsupported(String message) {
    return new Refusal(Kind.CONFLICT, FailureCode.OPERATION_UNSUPPORTED, null, message);
  }

  public static Refusal noHost(String hostId) {
    return new Refusal(Kind.NOT_FOUND, FailureCode.NO_HOST, "host", "no host '" + hostId + "' has ever reported");
  }

  public static Refusal unknownCommand(String commandId) {
    return new Refusal(Kind.NOT_FOUND, FailureCode.INVALID_ARG, null, "no command with id '" + commandId + "'");
  }

  public static Refusal conflict(String message) {
    return new Refusal(Kind.CONFLICT, FailureCode.OPERATION_INVALID, null, message);
  }

  public static Refusal keyReused(String key) {
    return new Refusal(Kind.KEY_REUSED, FailureCode.INVALID_ARG, "Idempotency-Key",
        "Idempotency-Key '" + key + "' was already used for a different request");
  }

  public static Refusal forbidden(String message) {
    return new Refusal(Kind.FORBIDDEN, FailureCode.ACCESS_DENIED, null, message);
  }

  public static Refusal unauthenticated(String message) {
    return new Refusal(Kind.UNAUTHENTICATED, FailureCode.AUTH_FAILED, null, message);
  }

  public static Refusal noHostUp() {
    return new Refusal(Kind.UNAVAILABLE, FailureCode.HOST_UNAVAILABLE, null,
        "no host is UP to place the domain on; nothing was accepted");
  }

  /** The host that would carry out a command is not UP, and the command is worth nothing later. */
  public static Refusal hostNotUp(String hostId, String what) {
    return new Refusal(Kind.UNAVAILABLE, FailureCode.HOST_UNAVAILABLE, null,
        "host '" + hostId + "' is not UP: " + what + "; nothing was sent");
  }

  /** How many hosts a refusal of placement by images describes, at most. */
  static final int HOSTS_SHOWN = 5;

  /**
   * Hosts are UP, but none has every image the definition names: answered as {@link #noHostUp()} is, naming
   * the images and what each UP host lacks.
   *
   * @param lackingByUpHost each UP host with the images it does not have, by host id
   */
  public static Refusal noHostWithImages(Collection<String> images, Map<String, List<String>> lackingByUpHost) {
    StringBuilder m = new StringBuilder("no UP host has every image the definition names (")
        .append(String.join(", ", images)).append(")");
    String sep = ": ";
    int shown = 0;
    for (Map.Entry<String, List<String>> e : lackingByUpHost.entrySet()) {
      if (shown == HOSTS_SHOWN) {
        m.append(", and ").append(lackingByUpHost.size() - shown).append(" more");
        break;
      }
      m.append(sep).append(e.getKey()).append(" lacks ").append(String.join(", ", e.getValue()));
      sep = ", ";
      shown++;
    }
    return new Refusal(Kind.UNAVAILABLE, FailureCode.HOST_UNAVAILABLE, null,
        m.append("; nothing was accepted").toString());
  }

  /**
   * The host a define names does not have images the definition names.
   *
   * @param missingByField each missing image by the field that names it ({@code boot.kernel}, ...), in order
   */
  public static Refusal hostLacksImages(String hostId, Map<String, String> missingByField) {
    StringBuilder m = new StringBuilder();
    for (Map.Entry<String, String> e : missingByField.entrySet()) {
      m.append(m.length() == 0 ? "" : ", ").append(e.getKey()).append(" '").append(e.getValue()).append("'");
    }
    String field = missingByField.keySet().iterator().next();
    return new Refusal(Kind.INVALID, FailureCode.INVALID_ARG, field, field + ": host '" + hostId
        + "' does not have " + m + " in its image directory (the images its last heartbeat lists); name another "
        + "host, or none to let the gateway place the domain");
  }

  public Kind kind() {
    return kind;
  }

  public FailureCode code() {
    return code;
  }

  /** The offending input (a JSON field, a query parameter, a header), or null. */
  public String field() {
    return field;
  }
}
