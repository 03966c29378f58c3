package io.virtflow.devstack.cli;

import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.Predicate;

import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Option;

/**
 * A verb that changes something: it submits a command (the gateway answers 202 with its id) and, unless
 * {@code --no-wait}, waits for its terminal status. A command that did not succeed fails the verb with
 * the class of its code; one that did prints the verb's message, or with {@code --json} the status document.
 */
public abstract class Submitting extends Verb {
  /** How long the CLI waits for the gateway's view of the domain to show a finished command's effect. */
  private static final long SETTLE_MS = 3_000;

  @Option(names = "--no-wait", description = "Print the command's id once it is accepted, and do not wait for it.")
  boolean noWait;

  /**
   * The common path: the 202 answer, a label for the progress line, what to print on success (from the
   * terminal status), and what the domain's document looks like once the gateway shows the effect (null:
   * nothing to wait for).
   */
  int submit(Gateway.Answer answer, String label, Function<JsonObject, String> success, String domain,
      BiPredicate<JsonObject, Gateway.Answer> settled) {
    JsonObject accepted = Gateway.expect(answer);
    String commandId = accepted.getString("commandId");
    if (noWait) {
      println(json() ? answer.body() : commandId);
      return 0;
    }
    JsonObject status = awaitTerminal(commandId, label);
    if (!"SUCCEEDED".equals(status.getString("status"))) {
      throw CliFailure.ofStatus(status);
    }
    if (domain != null && settled != null) {
      settle(domain, a -> settled.test(status, a));
    }
    println(json() ? status.encode() : success.apply(status));
    return 0;
  }

  /**
   * Read your writes: the command's status and the domain's state reach the gateway through different
   * readers, so right after SUCCEEDED a GET may still show the old state for a moment. Waits (briefly,
   * never failing) until it shows the new one, so that {@code virtflow start web1 && virtflow domstate web1}
   * says running.
   */
  private void settle(String domain, Predicate<Gateway.Answer> settled) {
    long until = System.nanoTime() + SETTLE_MS * 1_000_000;
    while (System.nanoTime() < until) {
      if (settled.test(gateway().get(domainPath(domain)))) {
        return;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** The domain's document shows the state the command says it ended in. */
  static final BiPredicate<JsonObject, Gateway.Answer> IN_END_STATE = (status, a) -> a.status() == 200
      && (status.getString("domainState") == null || status.getString("domainState").equals(a.json()
          .getString("state")));

  /** The domain is gone. */
  static final BiPredicate<JsonObject, Gateway.Answer> GONE = (status, a) -> a.status() == 404;
}
