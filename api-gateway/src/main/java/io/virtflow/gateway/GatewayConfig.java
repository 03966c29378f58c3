package io.virtflow.gateway;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.virtflow.gateway.auth.KeyFiles;
import io.virtflow.gateway.auth.TokenVerifier;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.config.Settings;

/**
 * The gateway's configuration, read once from the environment ({@code Map.of(...)} in tests) and
 * validated before anything starts. Holds no secrets: {@link #toString()} is safe to log.
 *
 * @param httpPort 0 picks any free port ({@link ApiGateway#httpPort()} says which)
 * @param hostDownAfter a host whose last heartbeat is older is DOWN
 * @param commandDeadline the longest a command may wait before it must have started; a request may shorten it
 * @param sendTimeout how long a command write to Kafka may take before the client gets a 503
 * @param maxBodyBytes larger request bodies get a 413
 * @param maxWait the cap on {@code waitMs} of a command long poll
 * @param maxEventStreams concurrent SSE clients; one more gets a 503
 * @param eventHeartbeat the interval of SSE keep-alive comments
 * @param maxTrackedCommands finished commands remembered (and idempotency keys), oldest forgotten first
 * @param routerEnabled whether the gateway reads {@code virtflow.commands} (the Kafka door)
 * @param routerMaxInFlight the most {@code virtflow.commands} records read and not yet done at once
 * @param eventMaxStall how long an SSE client may leave its connection's write queue full before it is
 *     told it is too slow (a last {@code overflow} event naming where to resume) and disconnected
 * @param jwtPublicKeyPem the key that signs every token (EC P-256 SPKI, PEM): required, the gateway does not
 *     run without authentication
 * @param jwtIssuer the {@code iss} every token must carry
 * @param jwtAudience the {@code aud} every token must include
 * @param rateLimitPerSec requests one principal may make per second over HTTP; beyond, 429
 * @param requestTimeout how long an HTTP request may take before a 503 {@code TIMEOUT} (event streams and
 *     long polls have their own bound)
 * @param eventTailRecords how many of the latest {@code vm.events} records the gateway's shared event reader
 *     keeps: live streams follow it, a resume inside it needs no reader of its own, and a stream that falls
 *     further behind is told it is too slow
 * @param dlqSweep whether this gateway takes part in the dead-letter sweep of the projection topics
 *     ({@code DeadLetterSweep})
 */
public record GatewayConfig(BusConfig bus, String httpHost, int httpPort, Duration hostDownAfter,
    Duration commandDeadline, Duration sendTimeout, long maxBodyBytes, Duration maxWait, int maxEventStreams,
    Duration eventHeartbeat, int maxTrackedCommands, boolean routerEnabled, int routerMaxInFlight,
    Duration eventMaxStall, String jwtPublicKeyPem, String jwtIssuer, String jwtAudience, int rateLimitPerSec,
    Duration requestTimeout, int eventTailRecords, boolean dlqSweep) {

  public static final String HTTP_HOST = "VIRTFLOW_HTTP_HOST";
  public static final String HTTP_PORT = "VIRTFLOW_HTTP_PORT";
  public static final String HOST_DOWN_AFTER_MS = "VIRTFLOW_HOST_DOWN_AFTER_MS";
  public static final String COMMAND_DEADLINE_MS = "VIRTFLOW_COMMAND_DEADLINE_MS";
  public static final String KAFKA_SEND_TIMEOUT_MS = "VIRTFLOW_KAFKA_SEND_TIMEOUT_MS";
  public static final String MAX_BODY_BYTES = "VIRTFLOW_MAX_BODY_BYTES";
  public static final String MAX_WAIT_MS = "VIRTFLOW_MAX_WAIT_MS";
  public static final String MAX_EVENT_STREAMS = "VIRTFLOW_MAX_EVENT_STREAMS";
  public static final String EVENT_HEARTBEAT_MS = "VIRTFLOW_EVENT_HEARTBEAT_MS";
  public static final String MAX_TRACKED_COMMANDS = "VIRTFLOW_MAX_TRACKED_COMMANDS";
  public static final String ROUTER_ENABLED = "VIRTFLOW_ROUTER_ENABLED";
  public static final String ROUTER_MAX_IN_FLIGHT = "VIRTFLOW_ROUTER_MAX_IN_FLIGHT";
  public static final String EVENT_MAX_STALL_MS = "VIRTFLOW_EVENT_MAX_STALL_MS";
  public static final String JWT_PUBLIC_KEY_FILE = "VIRTFLOW_JWT_PUBLIC_KEY_FILE";
  public static final String JWT_PUBLIC_KEY = "VIRTFLOW_JWT_PUBLIC_KEY";
  public static final String JWT_ISSUER = "VIRTFLOW_JWT_ISSUER";
  public static final String JWT_AUDIENCE = "VIRTFLOW_JWT_AUDIENCE";
  public static final String RATE_LIMIT_PER_SEC = "VIRTFLOW_RATE_LIMIT_PER_SEC";
  public static final String REQUEST_TIMEOUT_MS = "VIRTFLOW_REQUEST_TIMEOUT_MS";
  public static final String EVENT_TAIL_RECORDS = "VIRTFLOW_EVENT_TAIL_RECORDS";
  public static final String DLQ_SWEEP = "VIRTFLOW_DLQ_SWEEP";

  private static final long HOUR_MS = 3_600_000L;

  public static GatewayConfig from(Map<String, String> env) {
    Settings s = new Settings(env);
    BusConfig bus = BusConfig.from(s);
    GatewayConfig c = new GatewayConfig(bus,
        s.string(HTTP_HOST, "0.0.0.0"),
        s.integer(HTTP_PORT, 8080, 0, 65535),
        s.millis(HOST_DOWN_AFTER_MS, 10_000, 100, HOUR_MS),
        s.millis(COMMAND_DEADLINE_MS, 300_000, 1_000, 7 * 24 * HOUR_MS),
        s.millis(KAFKA_SEND_TIMEOUT_MS, 5_000, 500, 120_000),
        s.longValue(MAX_BODY_BYTES, 1_048_576, 1_024, 64L * 1_048_576),
        s.millis(MAX_WAIT_MS, 60_000, 0, HOUR_MS),
        s.integer(MAX_EVENT_STREAMS, 256, 1, 100_000),
        s.millis(EVENT_HEARTBEAT_MS, 15_000, 100, HOUR_MS),
        s.integer(MAX_TRACKED_COMMANDS, 100_000, 100, 10_000_000),
        s.bool(ROUTER_ENABLED, true),
        s.integer(ROUTER_MAX_IN_FLIGHT, 1_000, 1, 100_000),
        s.millis(EVENT_MAX_STALL_MS, 30_000, 100, HOUR_MS),
        publicKey(s, env),
        s.string(JWT_ISSUER, TokenVerifier.DEFAULT_ISSUER),
        s.string(JWT_AUDIENCE, TokenVerifier.DEFAULT_AUDIENCE),
        s.integer(RATE_LIMIT_PER_SEC, 200, 1, 1_000_000),
        s.millis(REQUEST_TIMEOUT_MS, 30_000, 10, HOUR_MS),
        s.integer(EVENT_TAIL_RECORDS, 10_000, 16, 1_000_000),
        s.bool(DLQ_SWEEP, true));
    s.validate();
    return c.validate();
  }

  /**
   * The token key, from a file or the variable itself; a missing or unreadable key is a problem: the
   * gateway fails closed rather than run without authentication.
   */
  private static String publicKey(Settings s, Map<String, String> env) {
    String file = env.get(JWT_PUBLIC_KEY_FILE);
    String text = env.get(JWT_PUBLIC_KEY);
    if (file != null && !file.isBlank() && text != null && !text.isBlank()) {
      s.problem("set only one of " + JWT_PUBLIC_KEY_FILE + " and " + JWT_PUBLIC_KEY);
      return null;
    }
    String pem = text;
    String source = JWT_PUBLIC_KEY;
    if (file != null && !file.isBlank()) {
      source = JWT_PUBLIC_KEY_FILE + "=" + file;
      try {
        pem = Files.readString(Path.of(file));
      } catch (IOException | RuntimeException e) {
        s.problem(source + ": cannot read the key file (" + e.getMessage() + ")");
        return null;
      }
    }
    if (pem == null || pem.isBlank()) {
      s.problem("no token key: set " + JWT_PUBLIC_KEY_FILE + " (a PEM file with the EC P-256 public key that signs "
          + "the tokens) or " + JWT_PUBLIC_KEY + " (the PEM text); the gateway does not run without authentication");
      return null;
    }
    try {
      KeyFiles.readPublicKey(pem);
    } catch (IllegalArgumentException e) {
      s.problem(source + ": " + e.getMessage());
      return null;
    }
    return pem;
  }

  /** Checks the rules between settings; returns this, or throws naming every problem. */
  public GatewayConfig validate() {
    List<String> problems = new ArrayList<>();
    if (httpHost.isBlank()) {
      problems.add(HTTP_HOST + " must not be blank");
    }
    if (jwtIssuer.isBlank() || jwtAudience.isBlank()) {
      problems.add(JWT_ISSUER + " and " + JWT_AUDIENCE + " must not be blank");
    }
    if (sendTimeout.compareTo(commandDeadline) >= 0) {
      problems.add(KAFKA_SEND_TIMEOUT_MS + "=" + sendTimeout.toMillis() + " must be below " + COMMAND_DEADLINE_MS
          + "=" + commandDeadline.toMillis());
    }
    if (!problems.isEmpty()) {
      throw new Settings.ConfigException(problems);
    }
    return this;
  }

  @Override
  public String toString() {
    return "http=" + httpHost + ":" + httpPort + " " + bus + " hostDownAfter=" + hostDownAfter.toMillis()
        + "ms commandDeadline=" + commandDeadline.toMillis() + "ms sendTimeout=" + sendTimeout.toMillis()
        + "ms maxBody=" + maxBodyBytes + "B maxWait=" + maxWait.toMillis() + "ms maxEventStreams=" + maxEventStreams
        + " eventHeartbeat=" + eventHeartbeat.toMillis() + "ms maxTrackedCommands=" + maxTrackedCommands
        + " router=" + (routerEnabled ? "on" : "off") + " routerMaxInFlight=" + routerMaxInFlight
        + " jwt=ES256 iss=" + jwtIssuer + " aud=" + jwtAudience + " rateLimit=" + rateLimitPerSec
        + "/s requestTimeout=" + requestTimeout.toMillis() + "ms eventTailRecords=" + eventTailRecords
        + " dlqSweep=" + (dlqSweep ? "on" : "off");
  }
}
