package io.virtflow.gateway.domain;

import java.time.Instant;
import java.util.Objects;

/**
 * One audited request (accepted or refused), through either door: who, in which project and role, asked
 * what of which target, and how it ended. The Kafka adapter writes it to {@code virtflow.audit}.
 *
 * @param door {@code HTTP} or {@code KAFKA}
 * @param action the operation ({@code DEFINE}, {@code START}, ..., {@code CREATE_SNAPSHOT}) or, for a read or a
 *     request refused before it named one, the HTTP method and path
 * @param outcome {@code OK}, {@code ACCEPTED}, {@code REPLAYED}, {@code REJECTED}, {@code UNAUTHENTICATED},
 *     {@code FORBIDDEN}, {@code NOT_FOUND}, {@code RATE_LIMITED}, {@code FAILED}
 * @param code a {@link FailureCode} name, or null
 * @param remote the client's address (HTTP) or {@code topic-partition@offset} (Kafka)
 */
public record AuditEntry(Instant at, String principal, String project, String role, String door, String action,
    String target, String outcome, Integer httpStatus, String code, String message, String commandId, String remote) {
  public static final String HTTP = "HTTP";
  public static final String KAFKA = "KAFKA";

  public AuditEntry {
    Objects.requireNonNull(at);
    Objects.requireNonNull(principal);
    Objects.requireNonNull(door);
    Objects.requireNonNull(action);
    Objects.requireNonNull(outcome);
  }

  /** {@code CreateSnapshot} as {@code CREATE_SNAPSHOT}: an operation's wire name as an audit action. */
  public static String action(String operationName) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < operationName.length(); i++) {
      char c = operationName.charAt(i);
      if (Character.isUpperCase(c) && i > 0) {
        out.append('_');
      }
      out.append(Character.toUpperCase(c));
    }
    return out.toString();
  }

  /** The outcome an HTTP status stands for. */
  public static String outcomeOf(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 202 -> "ACCEPTED";
      case 401 -> "UNAUTHENTICATED";
      case 403 -> "FORBIDDEN";
      case 404 -> "NOT_FOUND";
      case 429 -> "RATE_LIMITED";
      default -> status >= 500 ? "FAILED" : status >= 400 ? "REJECTED" : "OK";
    };
  }
}
