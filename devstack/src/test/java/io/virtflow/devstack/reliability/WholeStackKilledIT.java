package io.virtflow.devstack.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.json.JsonObject;
import io.virtflow.schema.Topics;

/**
 * Scenario f: the whole packaged stack ({@code java -jar virtflow.jar up}: embedded broker, gateway,
 * snapshot service, agent) is killed with SIGKILL mid-stream and started again on the same data dir.
 */
class WholeStackKilledIT {
  private static final Path JAR = Path.of("target", "virtflow.jar");

  @TempDir
  Path dataDir;

  @Test
  void theWholeStackKilledMidStreamLosesNothingAndAppliesNothingTwice() throws Exception {
    assertThat(JAR).exists();
    int domains = Scale.pick(20, 50);
    int commands = Scale.pick(200, 1000);
    int kafkaPort = freePort();
    int httpPort = freePort();
    Process[] stack = {up(kafkaPort, httpPort)};
    try {
      Api api = new Api("http://127.0.0.1:" + httpPort, dataDir);
      Scenario.awaitHostUp(api, "host-1");
      int killAt = commands / 2;
      Workload w = new Workload(api, domains, commands, 23, "host-1").retryingUnanswered().run(i -> {
        if (i == killAt) {
          stack[0].destroyForcibly();
          try {
            stack[0].waitFor();
            stack[0] = up(kafkaPort, httpPort);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          Scenario.awaitHostUp(api, "host-1");
        }
      });
      w.settle(Duration.ofSeconds(Scale.pick(180, 300)));
      JsonObject counts = w.verify("127.0.0.1:" + kafkaPort, new Topics("virtflow").vmEvents(), Duration.ofSeconds(60))
          .put("kills", 1).put("how", "java -jar virtflow.jar up, Process.destroyForcibly(), same data dir");
      Scenario.report("f. whole dev stack SIGKILL mid-stream", counts);
    } finally {
      stack[0].destroy();
      stack[0].waitFor();
    }
  }

  /** Starts {@code virtflow up} and returns once it printed its HTTP URL. */
  private Process up(int kafkaPort, int httpPort) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-Xmx768m", "-jar", JAR.toString(), "up", "--hosts", "1",
        "--http-port", Integer.toString(httpPort), "--kafka-port", Integer.toString(kafkaPort),
        "--data-dir", dataDir.toString()).redirectErrorStream(true).start();
    boolean[] ready = {false};
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.contains("HTTP API")) {
            ready[0] = true;
          }
        }
      } catch (IOException e) {
        // the process ended
      }
    }, "virtflow-out");
    reader.setDaemon(true);
    reader.start();
    await().atMost(Duration.ofSeconds(120)).until(() -> ready[0] || !p.isAlive());
    assertThat(p.isAlive()).as("virtflow up died at start").isTrue();
    return p;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
