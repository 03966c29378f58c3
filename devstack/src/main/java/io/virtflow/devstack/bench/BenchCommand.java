package io.virtflow.devstack.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.virtflow.platform.broker.EmbeddedKafka;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code virtflow bench SCENARIO}: starts what the scenario needs (the embedded stack unless {@code --url}
 * names a gateway), warms up, drives load at a fixed rate, prints the figures and writes them as JSON.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks: kafka-floor roundtrip throughput burst scale snapshot fanout codec (docs/BENCHMARKS.md).")
public final class BenchCommand implements Callable<Integer> {
  /** The scenario names, in the order the report lists them. */
  public static final List<String> SCENARIOS = List.of("kafka-floor", "roundtrip", "throughput", "burst", "scale",
      "snapshot", "fanout", "codec");

  @Parameters(index = "0", description = "One of: ${COMPLETION-CANDIDATES}", completionCandidates = Names.class)
  String scenario;

  @Option(names = "--rate", description = "Operations per second (default per scenario).")
  Double rate;

  @Option(names = "--duration", description = "Measured time, e.g. 30s, 2m (default 30s).")
  String duration = "30s";

  @Option(names = "--warmup", description = "Unrecorded warm-up time before it (default 5s).")
  String warmup = "5s";

  @Option(names = "--json", description = "Write the result as JSON to this file.")
  Path json;

  @Option(names = "--bootstrap", description = "Use this Kafka (HOST:PORT) instead of the embedded broker.")
  String bootstrap;

  @Option(names = "--url", description = "Drive this gateway (e.g. http://127.0.0.1:8080) instead of an embedded stack.")
  String url;

  @Option(names = "--hosts", description = "Host agents of the embedded stack (default per scenario).")
  Integer hosts;

  @Option(names = "--domains", description = "Domains (scale: per host; default per scenario).")
  Integer domains;

  @Option(names = "--subscribers", defaultValue = "500", description = "fanout: SSE clients (default ${DEFAULT-VALUE}).")
  int subscribers;

  @Option(names = "--iterations", description = "snapshot: cycles; codec: JMH iterations (default 10, 5).")
  Integer iterations;

  @Option(names = "--disk-gib", defaultValue = "1", description = "snapshot: size of each of the 3 disks (default ${DEFAULT-VALUE}).")
  int diskGiB;

  @Option(names = "--steps", split = ",", description = "throughput: rates to try in order (default 250,500,1000,2000,4000,8000).")
  List<Double> steps;

  @Option(names = "--token-file", description = "Send 'Authorization: Bearer <the file's content>' on every call.")
  Path tokenFile;

  @Option(names = "--client", defaultValue = "VERTX", description = "HTTP client: VERTX or JDK (default ${DEFAULT-VALUE}).")
  ApiClient.Transport transport;

  @Option(names = "--connections", defaultValue = "256", description = "HTTP/1.1 connections to the gateway (default ${DEFAULT-VALUE}).")
  int connections;

  @Option(names = "--data-dir", description = "Embedded stack's data dir (default: a new temporary directory).")
  Path dataDir;

  @Option(names = "--forks", defaultValue = "1", description = "codec: JMH forks, 0 runs in this JVM (default ${DEFAULT-VALUE}).")
  int forks;

  static final class Names extends ArrayList<String> {
    private static final long serialVersionUID = 1L;

    Names() {
      super(SCENARIOS);
    }
  }

  @Override
  public Integer call() throws Exception {
    if (!SCENARIOS.contains(scenario)) {
      System.err.println("unknown scenario '" + scenario + "': one of " + SCENARIOS);
      return 2;
    }
    Bench.Settings s = settings();
    Result result = run(s);
    System.out.println(scenario + ":");
    System.out.print(result.text());
    if (json != null) {
      result.write(json);
      System.out.println("written to " + json);
    }
    return 0;
  }

  Bench.Settings settings() throws java.io.IOException {
    String token = tokenFile == null ? null : Files.readString(tokenFile).trim();
    int h = hosts != null ? hosts : switch (scenario) {
      case "burst" -> 20;
      case "scale" -> 100;
      case "snapshot", "kafka-floor", "codec" -> 1;
      default -> 4;
    };
    int d = domains != null ? domains : switch (scenario) {
      case "burst", "throughput" -> 1000;
      case "scale" -> 100;
      case "fanout" -> 20;
      default -> 200;
    };
    double r = rate != null ? rate : switch (scenario) {
      case "kafka-floor" -> 1000;
      case "fanout" -> 20;
      case "scale" -> 200;
      default -> 500;
    };
    int it = iterations != null ? iterations : "codec".equals(scenario) ? 5 : 10;
    List<Double> st = steps != null ? steps : List.of(250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0);
    return new Bench.Settings(scenario, r, parse(duration), parse(warmup), h, d, subscribers, it, diskGiB, url,
        bootstrap, token, transport, connections, dataDir == null ? null : dataDir.toAbsolutePath(), forks, st);
  }

  /** Runs one scenario with these settings (the smoke tests call this). */
  public static Result run(Bench.Settings s) throws Exception {
    switch (s.scenario()) {
      case "codec":
        return CodecBench.run(s);
      case "kafka-floor":
        if (s.bootstrap() != null) {
          return KafkaFloor.run(s.bootstrap(), s.rate(), s.warmup(), s.duration());
        }
        // The broker alone: the floor is one hop, with no idle service polling beside it.
        Path dir = s.dataDir() != null ? s.dataDir() : Files.createTempDirectory("virtflow-bench-kafka-");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
          return KafkaFloor.run(kafka.bootstrapServers(), s.rate(), s.warmup(), s.duration());
        } finally {
          if (s.dataDir() == null) {
            Bench.deleteTree(dir);
          }
        }
      default:
        break;
    }
    Map<String, String> env = switch (s.scenario()) {
      case "snapshot" -> Map.of("VIRTFLOW_SIM_DISK_BACKEND", "qcow2");
      case "fanout" -> Map.of("VIRTFLOW_MAX_EVENT_STREAMS", Integer.toString(s.subscribers() + 16));
      default -> Map.of();
    };
    try (Bench bench = Bench.open(s, s.hosts(), env)) {
      return switch (s.scenario()) {
        case "kafka-floor" -> KafkaFloor.run(bench.bootstrap(), s.rate(), s.warmup(), s.duration());
        case "roundtrip" -> Roundtrip.roundtrip(bench);
        case "throughput" -> Roundtrip.throughput(bench);
        case "burst" -> Burst.run(bench);
        case "scale" -> Scale.run(bench);
        case "snapshot" -> SnapshotBench.run(bench);
        case "fanout" -> Fanout.run(bench);
        default -> throw new IllegalArgumentException(s.scenario());
      };
    }
  }

  /** {@code 30s}, {@code 500ms}, {@code 2m}, or plain seconds. */
  static Duration parse(String text) {
    String t = text.trim().toLowerCase(java.util.Locale.ROOT);
    if (t.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
    }
    if (t.endsWith("s")) {
      return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
    }
    if (t.endsWith("m")) {
      return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 60_000));
    }
    return Duration.ofMillis(Math.round(Double.parseDouble(t) * 1000));
  }
}
