package io.virtflow.devstack.cli;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * Why a verb failed: the message a user reads on stderr, the exit code of its class, and the API's JSON
 * document about it when there is one (a problem, or a command's terminal status), which {@code --json}
 * prints on stdout.
 */
final class CliFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ExitCode exit;
  private final String code;
  private final transient JsonObject json;

  CliFailure(ExitCode exit, String message, String code, JsonObject json) {
    super(message, null, false, false);
    this.exit = exit;
    this.code = code;
    this.json = json;
  }

  CliFailure(ExitCode exit, String message) {
    this(exit, message, null, null);
  }

  static CliFailure badInput(String message) {
    return new CliFailure(ExitCode.BAD_INPUT, message);
  }

  /** An HTTP answer that is not a success: its problem's {@code detail} and {@code code}. */
  static CliFailure ofAnswer(Gateway.Answer answer) {
    JsonObject problem = null;
    try {
      problem = answer.body().isBlank() ? null : new JsonObject(answer.body());
    } catch (DecodeException | ClassCastException e) {
      problem = null;
    }
    String code = problem == null ? null : problem.getString("code");
    String detail = problem == null ? null : firstOf(problem.getString("detail"), problem.getString("message"),
        problem.getString("title"));
    if (detail == null) {
      String body = answer.body().strip();
      detail = "HTTP " + answer.status() + (body.isEmpty() ? "" : ": " + (body.length() > 200
          ? body.substring(0, 200) + "..." : body));
    }
    return new CliFailure(ExitCode.of(code, answer.status()), detail, code, problem);
  }

  /** A command that ended without succeeding: its {@code message}, and the class of its {@code code}. */
  static CliFailure ofStatus(JsonObject status) {
    String phase = status.getString("status");
    String code = status.getString("code");
    ExitCode exit = switch (phase) {
      case "CANCELLED" -> ExitCode.FAILURE;
      case "TIMED_OUT" -> code == null ? ExitCode.UNAVAILABLE : ExitCode.of(code, 503);
      default -> code == null ? ExitCode.FAILURE : ExitCode.of(code, 500);
    };
    String message = status.getString("message");
    String what = status.getString("operation", "command") + " ended " + phase;
    return new CliFailure(exit, message == null || message.isBlank() ? what : message, code, status);
  }

  private static String firstOf(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }

  /** The failure code (DESIGN §4) the gateway or the agent named, or null. */
  String code() {
    return code;
  }

  ExitCode exit() {
    return exit;
  }

  JsonObject json() {
    return json;
  }
}
