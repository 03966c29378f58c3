package io.virtflow.devstack.cli;

import java.io.PrintWriter;
import java.util.Set;
import java.util.concurrent.Callable;

import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * One {@code virtflow} verb: it talks to the gateway named by its {@link ConnectionOptions}, prints text
 * (or with {@code --json} the API's JSON) on stdout, and on failure prints {@code error: <message>} on
 * stderr and returns the {@link ExitCode} of the failure's class. Output goes to the command line's own
 * writers, so a test that runs the CLI in-process reads exactly what a user would.
 */
public abstract class Verb implements Callable<Integer> {
  static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "REJECTED", "CANCELLED", "TIMED_OUT");
  /** How long one long poll of a command waits at the gateway (its cap, VIRTFLOW_MAX_WAIT_MS, is 60 s). */
  static final long POLL_MS = 10_000;

  @Spec
  CommandSpec spec;

  @Mixin
  ConnectionOptions connection = new ConnectionOptions();

  private Gateway gateway;

  @Override
  public final Integer call() {
    try {
      return run();
    } catch (CliFailure f) {
      if (connection.json && f.json() != null) {
        println(f.json().encode());
      }
      PrintWriter err = spec.commandLine().getErr();
      err.println("error: " + f.getMessage() + (f.code() == null ? "" : " (" + f.code() + ")"));
      err.flush();
      return f.exit().code();
    } catch (RuntimeException e) {
      PrintWriter err = spec.commandLine().getErr();
      err.println("error: unexpected failure: " + e);
      err.flush();
      return ExitCode.FAILURE.code();
    }
  }

  /** Does the verb's work; returns 0, or throws a {@link CliFailure}. */
  protected abstract int run();

  Gateway gateway() {
    if (gateway == null) {
      gateway = new Gateway(connection.url, connection.tokenFile);
    }
    return gateway;
  }

  boolean json() {
    return connection.json;
  }

  void println(String line) {
    PrintWriter out = spec.commandLine().getOut();
    out.println(line);
    out.flush();
  }

  /** Text as it is, with a line end only if it lacks one. */
  void print(String text) {
    PrintWriter out = spec.commandLine().getOut();
    out.print(text);
    if (!text.isEmpty() && !text.endsWith("\n")) {
      out.println();
    }
    out.flush();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  static String domainPath(String domain) {
    return "/v1/domains/" + Gateway.segment(domain);
  }

  /** Waits for the command's terminal status, with a progress line on a terminal; returns that status. */
  JsonObject awaitTerminal(String commandId, String label) {
    try (Progress progress = Progress.start(err(), label)) {
      while (true) {
        JsonObject status = Gateway.expect(gateway().get("/v1/commands/" + Gateway.segment(commandId)
            + "?waitMs=" + POLL_MS, POLL_MS));
        if (status.getBoolean("terminal", false) || TERMINAL.contains(status.getString("status"))) {
          return status;
        }
        Progress.update(progress, status.getString("status"));
      }
    }
  }
}
