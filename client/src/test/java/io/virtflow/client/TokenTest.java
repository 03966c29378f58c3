package io.virtflow.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.virtflow.devstack.DevStack;
import io.virtflow.gateway.domain.Role;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.ErrorCode;

/** The client's token goes with every request through both doors; without one, or with too little, refusals. */
@ExtendWith(TestStack.class)
class TokenTest {

  private static CommandOutcome join(CompletionStage<CommandOutcome> stage) {
    return stage.toCompletableFuture().join();
  }

  private static VirtflowClient clientWith(String token) {
    DevStack s = TestStack.get();
    return VirtflowClient.builder().kafka(s.bootstrap()).gateway(s.httpUrl()).namespace(TestStack.namespace())
        .token(token).commandTimeout(Duration.ofSeconds(30)).build();
  }

  @Test
  void withoutATokenEveryCommandIsRefusedAuthFailedThroughEitherDoor() {
    try (VirtflowClient anonymous = clientWith(null)) {
      String name = TestStack.uniqueName("notoken");
      CommandOutcome http = join(anonymous.submitOverHttp(Commands.define(name, 1, 256)));
      assertThat(http.status()).isEqualTo(CommandStatusCode.REJECTED);
      assertThat(http.code()).isEqualTo(ErrorCode.AUTH_FAILED);
      CommandOutcome kafka = join(anonymous.submitOverKafka(Commands.define(name, 1, 256)));
      assertThat(kafka.status()).isEqualTo(CommandStatusCode.REJECTED);
      assertThat(kafka.code()).isEqualTo(ErrorCode.AUTH_FAILED);
    }
  }

  @Test
  void aViewerTokenIsDeniedAndAnotherProjectsDomainIsNotThere() {
    DevStack s = TestStack.get();
    String name = TestStack.uniqueName("owned");
    try (VirtflowClient admin = TestStack.client();
        VirtflowClient viewer = clientWith(s.mintToken("viewer", Role.VIEWER, List.of("default"), Duration.ofMinutes(5)));
        VirtflowClient stranger = clientWith(s.mintToken("stranger", Role.OPERATOR, List.of("elsewhere"),
            Duration.ofMinutes(5)))) {
      assertThat(join(admin.submitOverKafka(Commands.define(name, 1, 256))).status())
          .isEqualTo(CommandStatusCode.SUCCEEDED);
      for (VirtflowClient c : List.of(viewer)) {
        assertThat(join(c.submitOverHttp(Commands.start(name))).code()).isEqualTo(ErrorCode.ACCESS_DENIED);
        assertThat(join(c.submitOverKafka(Commands.start(name))).code()).isEqualTo(ErrorCode.ACCESS_DENIED);
      }
      assertThat(join(stranger.submitOverHttp(Commands.start(name))).code()).isEqualTo(ErrorCode.NO_DOMAIN);
      assertThat(join(stranger.submitOverKafka(Commands.start(name))).code()).isEqualTo(ErrorCode.NO_DOMAIN);
    }
  }
}
