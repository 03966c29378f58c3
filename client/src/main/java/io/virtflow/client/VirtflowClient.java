package io.virtflow.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.virtflow.schema.AvroCodec;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.CommandRequest;
import io.virtflow.schema.Define;
import io.virtflow.schema.Topics;

/**
 * A service's handle on virtflow: submit commands through either door (Kafka: {@code commands}; HTTP:
 * the gateway) and wait for their terminal status, and follow the lifecycle event stream from a stored
 * {@link Position}. Thread-safe; one per process is enough. Kafka clients are created on first use: the
 * producer and the one shared {@code command.status} reader with the first {@link #submitOverKafka},
 * one consumer per {@link #events} subscription.
 *
 * <pre>{@code
 * try (VirtflowClient client = VirtflowClient.builder().kafka("broker:9092").gateway("http://gw:8080")
 *     .token(System.getenv("VIRTFLOW_TOKEN")).build()) {
 *   CommandOutcome o = client.submitOverKafka(Commands.start("web")).toCompletableFuture().join();
 * }
 * }</pre>
 */
public final class VirtflowClient implements AutoCloseable {
  private final String bootstrap;
  private final URI gateway;
  private final Topics topics;
  private final String principal;
  private final String token;
  private final Duration commandTimeout;
  private final Map<String, Object> kafkaOverrides;
  private final HttpDoor httpDoor;
  // One sender thread: producer.send blocks while topic metadata is missing, and keeps submission order.
  private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "virtflow-client-send");
    t.setDaemon(true);
    return t;
  });
  private Producer<String, byte[]> producer;
  private StatusReader statusReader;
  private boolean closed;

  private VirtflowClient(Builder b) {
    AvroCodec.trustContract();
    this.bootstrap = b.bootstrap;
    this.gateway = b.gateway;
    this.topics = new Topics(b.namespace);
    this.principal = b.principal;
    this.token = b.token;
    this.commandTimeout = b.commandTimeout;
    this.kafkaOverrides = Map.copyOf(b.kafkaOverrides);
    this.httpDoor = gateway == null ? null
        : new HttpDoor(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), gateway);
  }

  public static Builder builder() {
    return new Builder();
  }

  public Topics topics() {
    return topics;
  }

  /** Submits on the {@code commands} topic and waits for the terminal status, up to the command timeout. */
  public CompletionStage<CommandOutcome> submitOverKafka(CommandRequest request) {
    return submitOverKafka(request, commandTimeout);
  }

  /**
   * Publishes the request on {@code commands} (acks=all, idempotent producer), keyed by its domain (the
   * name for a Define), and completes with the first terminal status published for its {@code commandId}
   * on {@code command.status}. Completes exceptionally with {@link TimeoutException} when none comes within
   * {@code wait} (the command may still end later), or with the producer's error when Kafka did not take it.
   */
  public CompletionStage<CommandOutcome> submitOverKafka(CommandRequest request, Duration wait) {
    Objects.requireNonNull(request, "request");
    CommandRequest r = stamped(request);
    String key = key(r);
    StatusReader reader = kafka();
    CompletableFuture<CommandOutcome> outcome = new CompletableFuture<>();
    reader.ready().thenRunAsync(() -> {
      reader.register(r.getCommandId(), outcome);
      producer.send(new ProducerRecord<>(topics.commands(), key, Codecs.COMMAND_REQUEST.encode(r)), (md, e) -> {
        if (e != null) {
          outcome.completeExceptionally(e);
        }
      });
    }, sender).exceptionally(e -> {
      outcome.completeExceptionally(e);
      return null;
    });
    return deadline(outcome, wait, r.getCommandId())
        .whenComplete((o, e) -> reader.forget(r.getCommandId(), outcome));
  }

  /** Submits through the gateway's HTTP API and waits for the terminal status, up to the command timeout. */
  public CompletionStage<CommandOutcome> submitOverHttp(CommandRequest request) {
    return submitOverHttp(request, commandTimeout);
  }

  /**
   * Makes the gateway call matching the request's payload ({@code POST /v1/domains}, {@code POST
   * /v1/domains/{domain}/start}, ...) with the request's {@code commandId} as {@code Idempotency-Key}, then
   * long-polls {@code GET /v1/commands/{id}?waitMs=} until the status is terminal. A refusal (a
   * problem+json answer: 400, 404, 409, 413, 422, 503) completes as a {@code REJECTED} outcome with the
   * problem's {@code code} and {@code detail}; any other answer completes exceptionally with
   * {@link VirtflowClientException}. The HTTP API takes the principal from the token, and cannot carry
   * disk paths: such a request completes with {@link IllegalArgumentException}.
   */
  public CompletionStage<CommandOutcome> submitOverHttp(CommandRequest request, Duration wait) {
    Objects.requireNonNull(request, "request");
    if (httpDoor == null) {
      throw new IllegalStateException("no gateway URL given to the builder");
    }
    CommandRequest r = stamped(request);
    return deadline(httpDoor.submit(r, wait), wait, r.getCommandId());
  }

  /**
   * The lifecycle events on {@code vm.events} that pass the filter, from a position: {@link Position#latest()}
   * for new events only, {@link Position#earliest()} for everything retained, or a stored
   * {@link LifecycleEvent#position()} (or SSE event id) to resume right after that event. Each subscriber
   * gets its own reader thread; see {@link Flow} for the demand rules.
   */
  public Flow.Publisher<LifecycleEvent> events(EventFilter filter, Position from) {
    requireBootstrap();
    return new EventPublisher(() -> consumer("events"), topics.vmEvents(), filter, from);
  }

  /** The request with the client's principal and token, where it names none of its own. */
  private CommandRequest stamped(CommandRequest request) {
    boolean addPrincipal = request.getPrincipal() == null && principal != null;
    boolean addToken = request.getToken() == null && token != null;
    if (!addPrincipal && !addToken) {
      return request;
    }
    CommandRequest.Builder b = CommandRequest.newBuilder(request);
    if (addPrincipal) {
      b.setPrincipal(principal);
    }
    if (addToken) {
      b.setToken(token);
    }
    return b.build();
  }

  private static String key(CommandRequest r) {
    if (r.getDomain() != null) {
      return r.getDomain();
    }
    if (r.getPayload() instanceof Define d) {
      return d.getName();
    }
    throw new IllegalArgumentException(r.getPayload().getClass().getSimpleName() + " needs a domain");
  }

  private static CompletableFuture<CommandOutcome> deadline(CompletableFuture<CommandOutcome> outcome,
      Duration wait, String commandId) {
    CompletableFuture.delayedExecutor(wait.toMillis(), TimeUnit.MILLISECONDS).execute(() -> outcome
        .completeExceptionally(new TimeoutException("no terminal status for command " + commandId + " within "
            + wait)));
    return outcome;
  }

  private synchronized StatusReader kafka() {
    if (closed) {
      throw new IllegalStateException("the client is closed");
    }
    requireBootstrap();
    if (producer == null) {
      Map<String, Object> p = new HashMap<>();
      p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      p.put(ProducerConfig.CLIENT_ID_CONFIG, "virtflow-client-" + topics.namespace());
      // DESIGN §3: nothing is acknowledged before every in-sync replica has it, and retries never duplicate.
      p.put(ProducerConfig.ACKS_CONFIG, "all");
      p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      // Fail a submission within seconds when the cluster is unreachable, instead of the default minute.
      p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
      p.putAll(kafkaOverrides);
      producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }
    if (statusReader == null) {
      statusReader = new StatusReader(consumer("status"), topics.commandStatus());
    }
    return statusReader;
  }

  private Consumer<String, byte[]> consumer(String role) {
    Map<String, Object> c = new HashMap<>();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.CLIENT_ID_CONFIG, "virtflow-client-" + role + "-" + topics.namespace());
    // No group: partitions are assigned by hand and positions kept by the client, so nothing is committed.
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // A stored position whose offset is no longer retained resumes at the oldest event still there.
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // Bounds what one slow events subscriber holds in memory.
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100);
    c.putAll(kafkaOverrides);
    c.remove(ConsumerConfig.GROUP_ID_CONFIG);
    return new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
  }

  private void requireBootstrap() {
    if (bootstrap == null) {
      throw new IllegalStateException("no Kafka bootstrap given to the builder");
    }
  }

  /** Stops the status reader and the producer; submissions still waiting complete exceptionally. */
  @Override
  public void close() {
    StatusReader reader;
    Producer<String, byte[]> p;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      reader = statusReader;
      p = producer;
    }
    sender.shutdown();
    if (reader != null) {
      reader.close();
    }
    if (p != null) {
      p.close(Duration.ofSeconds(5));
    }
  }

  /** At least one of {@link #kafka(String)} and {@link #gateway(String)}. */
  public static final class Builder {
    private String bootstrap;
    private URI gateway;
    private String namespace = "virtflow";
    private String principal;
    private String token;
    private Duration commandTimeout = Duration.ofMinutes(5);
    private final Map<String, Object> kafkaOverrides = new HashMap<>();

    private Builder() {
    }

    /** The Kafka bootstrap servers, {@code host:port[,host:port...]}: needed by submitOverKafka and events. */
    public Builder kafka(String bootstrapServers) {
      this.bootstrap = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
      return this;
    }

    /** The gateway's base URL, e.g. {@code http://gateway:8080}: needed by submitOverHttp. */
    public Builder gateway(String baseUrl) {
      this.gateway = URI.create(Objects.requireNonNull(baseUrl, "baseUrl"));
      return this;
    }

    /** The topic namespace; {@code virtflow} unless the deployment says otherwise. */
    public Builder namespace(String namespace) {
      this.namespace = Objects.requireNonNull(namespace, "namespace");
      return this;
    }

    /**
     * A label for the commands, for requests that do not name one. The gateway does not believe it: the
     * principal of a command is its token's subject ({@link #token}).
     */
    public Builder principal(String principal) {
      this.principal = principal;
      return this;
    }

    /**
     * The bearer token (a JWT the deployment issued; the dev stack writes one to {@code <data-dir>/admin.token})
     * sent with every request that carries none of its own: as {@code CommandRequest.token} over Kafka and as
     * {@code Authorization: Bearer} over HTTP. Without a valid one, the gateway refuses every command
     * ({@code AUTH_FAILED}).
     */
    public Builder token(String token) {
      this.token = token;
      return this;
    }

    /** How long a submission waits for its terminal status by default (5 minutes, the gateway's deadline). */
    public Builder commandTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("commandTimeout must be positive");
      }
      this.commandTimeout = timeout;
      return this;
    }

    /** Extra Kafka client settings (security, for instance), applied to the producer and the consumers. */
    public Builder kafkaSetting(String name, Object value) {
      kafkaOverrides.put(name, value);
      return this;
    }

    public VirtflowClient build() {
      if (bootstrap == null && gateway == null) {
        throw new IllegalStateException("give the Kafka bootstrap servers, the gateway URL, or both");
      }
      new Topics(namespace);
      return new VirtflowClient(this);
    }
  }
}
