package io.virtflow.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.schema.CommandRequest;
import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.ErrorCode;
import io.virtflow.schema.Topics;

@ExtendWith(TestStack.class)
class KafkaDoorTest {
  private static VirtflowClient client;
  private static Topics topics;

  @BeforeAll
  static void up() {
    client = TestStack.client();
    topics = client.topics();
  }

  @AfterAll
  static void down() {
    client.close();
  }

  private static CommandOutcome join(java.util.concurrent.CompletionStage<CommandOutcome> stage) {
    return stage.toCompletableFuture().join();
  }

  /** Needs the gateway's router on virtflow.commands; skipped while the installed gateway has none. */
  @Test
  void definesAndStartsThroughTheGatewaysRouterAndGetsTerminalStatuses() {
    assumeTrue(TestStack.get("/health").contains("router"),
        "the installed api-gateway does not consume " + topics.commands() + " yet (no 'router' in /health)");
    String name = TestStack.uniqueName("kafka");
    CommandOutcome defined = join(client.submitOverKafka(Commands.define(name, 1, 256, Commands.disk("vda", 1))));
    assertThat(defined.status()).as(defined.toString()).isEqualTo(CommandStatusCode.SUCCEEDED);
    assertThat(defined.domainId()).isNotBlank();

    CommandOutcome started = join(client.submitOverKafka(Commands.start(name)));
    assertThat(started.status()).as(started.toString()).isEqualTo(CommandStatusCode.SUCCEEDED);

    CommandOutcome unknown = join(client.submitOverKafka(Commands.start(TestStack.uniqueName("nobody"))));
    assertThat(unknown.status()).isEqualTo(CommandStatusCode.REJECTED);
    assertThat(unknown.code()).isEqualTo(ErrorCode.NO_DOMAIN);

    CommandOutcome badName = join(client.submitOverKafka(Commands.define("-not a name", 1, 256)));
    assertThat(badName.status()).isEqualTo(CommandStatusCode.REJECTED);
    assertThat(badName.code()).isEqualTo(ErrorCode.INVALID_ARG);
  }

  /**
   * The client's side of the contract, on a namespace of its own where no gateway runs: the request lands on commands keyed by its
   * domain (the name for a Define) with the client's principal, intermediate statuses are passed over,
   * and the first terminal status for its id completes it. A test plays the router here.
   */
  @Test
  void completesWithTheFirstTerminalStatusOfItsCommandIdOnly() throws Exception {
    String name = TestStack.uniqueName("fake");
    CommandRequest define = Commands.define(name, 1, 64);
    CommandRequest other = Commands.start(name);
    BusConfig bus = KafkaFixture.freshBus();
    Topics topics = bus.topics();
    try (VirtflowClient client = VirtflowClient.builder().kafka(bus.bootstrap()).namespace(topics.namespace())
            .principal("client-test").commandTimeout(Duration.ofSeconds(30)).build();
        KafkaConsumer<String, byte[]> commands = consumer();
        KafkaProducer<String, byte[]> statuses = new KafkaProducer<>(Map.of("bootstrap.servers",
            bus.bootstrap()), new StringSerializer(), new ByteArraySerializer())) {
      List<TopicPartition> parts = commands.partitionsFor(topics.commands()).stream()
          .map(p -> new TopicPartition(topics.commands(), p.partition())).toList();
      commands.assign(parts);
      commands.seekToEnd(parts);
      parts.forEach(commands::position);

      CompletableFuture<CommandOutcome> outcome = client.submitOverKafka(define).toCompletableFuture();
      ConsumerRecord<String, byte[]> sent = null;
      long until = System.currentTimeMillis() + 20_000;
      while (sent == null && System.currentTimeMillis() < until) {
        for (ConsumerRecord<String, byte[]> r : commands.poll(Duration.ofMillis(200))) {
          if (Codecs.COMMAND_REQUEST.decode(r.value()).getCommandId().equals(define.getCommandId())) {
            sent = r;
          }
        }
      }
      assertThat(sent).as("the request on " + topics.commands()).isNotNull();
      assertThat(sent.key()).isEqualTo(name);
      CommandRequest received = Codecs.COMMAND_REQUEST.decode(sent.value());
      assertThat(received.getPrincipal()).isEqualTo("client-test");
      assertThat(received.getPayload()).isEqualTo(define.getPayload());

      for (CommandStatus s : List.of(status(define, CommandStatusCode.ACCEPTED), status(other, CommandStatusCode.FAILED),
          status(define, CommandStatusCode.RUNNING))) {
        statuses.send(new ProducerRecord<>(topics.commandStatus(), s.getCommandId(), Codecs.COMMAND_STATUS.encode(s)))
            .get();
      }
      // The reader must not complete on a non-terminal or another command's status.
      org.awaitility.Awaitility.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
          .until(() -> !outcome.toCompletableFuture().isDone());
      CommandStatus done = CommandStatus.newBuilder(status(define, CommandStatusCode.SUCCEEDED)).setDomainId("d-1")
          .setHostId("host-1").build();
      statuses.send(new ProducerRecord<>(topics.commandStatus(), define.getCommandId(),
          Codecs.COMMAND_STATUS.encode(done))).get();
      CommandOutcome o = outcome.get(20, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(o.status()).isEqualTo(CommandStatusCode.SUCCEEDED);
      assertThat(o.commandId()).isEqualTo(define.getCommandId());
      assertThat(o.domainId()).isEqualTo("d-1");
      assertThat(o.operation()).isEqualTo("Define");
    }
  }

  @Test
  void withoutATerminalStatusCompletesWithATimeoutNamingTheCommand() {
    BusConfig bus = KafkaFixture.freshBus();
    CommandRequest unanswered = Commands.start("nobody-answers");
    try (VirtflowClient client = VirtflowClient.builder().kafka(bus.bootstrap())
        .namespace(bus.topics().namespace()).build()) {
      assertThatThrownBy(() -> client.submitOverKafka(unanswered, Duration.ofMillis(500)).toCompletableFuture().join())
          .isInstanceOf(CompletionException.class).hasCauseInstanceOf(TimeoutException.class)
          .hasMessageContaining(unanswered.getCommandId());
    }
  }

  private static CommandStatus status(CommandRequest r, CommandStatusCode code) {
    return CommandStatus.newBuilder().setCommandId(r.getCommandId()).setOperation(
        r.getPayload().getClass().getSimpleName()).setStatus(code).setAt(Instant.now()).build();
  }

  private static KafkaConsumer<String, byte[]> consumer() {
    return new KafkaConsumer<>(Map.of("bootstrap.servers", KafkaFixture.bootstrap(), "enable.auto.commit", false),
        new StringDeserializer(), new ByteArrayDeserializer());
  }
}
