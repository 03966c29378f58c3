package io.virtflow.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletionStage;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.ErrorCode;

@ExtendWith(TestStack.class)
class HttpDoorTest {
  private static VirtflowClient client;

  @BeforeAll
  static void up() {
    client = TestStack.client();
  }

  @AfterAll
  static void down() {
    client.close();
  }

  private static CommandOutcome join(CompletionStage<CommandOutcome> stage) {
    return stage.toCompletableFuture().join();
  }

  @Test
  void definesAndStartsADomainAndGetsTerminalStatuses() {
    String name = TestStack.uniqueName("http");
    CommandOutcome defined = join(client.submitOverHttp(Commands.define(name, 1, 256, Commands.disk("vda", 1))));
    assertThat(defined.status()).as(defined.toString()).isEqualTo(CommandStatusCode.SUCCEEDED);
    assertThat(defined.operation()).isEqualTo("Define");
    assertThat(defined.domainId()).isNotBlank();

    CommandOutcome started = join(client.submitOverHttp(Commands.start(name)));
    assertThat(started.status()).as(started.toString()).isEqualTo(CommandStatusCode.SUCCEEDED);
    assertThat(started.domainId()).isEqualTo(defined.domainId());

    // The agent's state machine refuses a second start, naming the state.
    CommandOutcome again = join(client.submitOverHttp(Commands.start(defined.domainId())));
    assertThat(again.status()).isEqualTo(CommandStatusCode.REJECTED);
    assertThat(again.code()).isEqualTo(ErrorCode.OPERATION_INVALID);
    assertThat(again.domainState()).isEqualTo(DomainStateCode.RUNNING);
  }

  @Test
  void aRefusedRequestIsRejectedWithTheProblemsCodeAndDetail() {
    CommandOutcome badName = join(client.submitOverHttp(Commands.define("-not a name", 1, 256)));
    assertThat(badName.status()).isEqualTo(CommandStatusCode.REJECTED);
    assertThat(badName.code()).isEqualTo(ErrorCode.INVALID_ARG);
    assertThat(badName.message()).isNotBlank();

    CommandOutcome unknown = join(client.submitOverHttp(Commands.start(TestStack.uniqueName("nobody"))));
    assertThat(unknown.status()).isEqualTo(CommandStatusCode.REJECTED);
    assertThat(unknown.code()).isEqualTo(ErrorCode.NO_DOMAIN);
    assertThat(unknown.message()).contains("nobody");
  }

  @Test
  void resendingTheSameRequestIsAnsweredWithTheSameCommand() {
    String name = TestStack.uniqueName("http-idem");
    var define = Commands.define(name, 1, 128);
    CommandOutcome first = join(client.submitOverHttp(define));
    CommandOutcome second = join(client.submitOverHttp(define));
    assertThat(first.status()).isEqualTo(CommandStatusCode.SUCCEEDED);
    assertThat(second.commandId()).isEqualTo(first.commandId());
    assertThat(second.status()).isEqualTo(CommandStatusCode.SUCCEEDED);
  }
}
