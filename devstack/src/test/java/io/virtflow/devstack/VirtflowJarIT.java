package io.virtflow.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.json.JsonObject;

/**
 * The README's first command as a user runs it: {@code java -jar devstack/target/virtflow.jar up}, a VM
 * defined and started over HTTP, the events read with kcat, Ctrl-C (SIGTERM), and a second start on the
 * same data dir that finds the same VM.
 */
class VirtflowJarIT {
  private static final Path JAR = Path.of("target", "virtflow.jar");

  @Test
  void upServesTheApiStopsCleanlyOnSigtermAndFindsItsDomainsAgain(@TempDir Path dataDir) throws Exception {
    assertThat(JAR).exists();
    int kafkaPort = freePort();
    String domainId;
    String state;
    try (Stack first = Stack.up(dataDir, kafkaPort)) {
      // As the README says: the admin token is in the data dir, and the start says so.
      Path tokenFile = dataDir.resolve("admin.token");
      assertThat(first.output()).anyMatch(l -> l.contains("admin token: " + tokenFile));
      assertThat(Files.getPosixFilePermissions(tokenFile)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
      assertThat(Files.getPosixFilePermissions(dataDir.resolve("keys").resolve("jwt-private.pem")))
          .isEqualTo(PosixFilePermissions.fromString("rw-------"));
      Http http = new Http(first.url, Files.readString(tokenFile).trim());
      assertThat(http.withToken(null).get("/v1/domains").status()).isEqualTo(401);
      await().atMost(Duration.ofSeconds(30)).until(() -> http.get("/v1/hosts").json().getJsonArray("hosts").stream()
          .anyMatch(h -> "UP".equals(((JsonObject) h).getString("status"))));
      Http.Answer defined = http.post("/v1/domains", "{\"name\":\"web1\",\"vcpus\":1,\"memoryMiB\":1024,"
          + "\"disks\":[{\"target\":\"vda\",\"sizeGiB\":8}]}");
      assertThat(defined.status()).isEqualTo(202);
      domainId = defined.json().getString("domainId");
      assertThat(http.waitFor(defined.json().getString("commandId")).getString("status")).isEqualTo("SUCCEEDED");
      assertThat(http.run("/v1/domains/web1/start", "{}").getString("status")).isEqualTo("SUCCEEDED");
      await().atMost(Duration.ofSeconds(10))
          .until(() -> "RUNNING".equals(http.get("/v1/domains/web1").json().getString("state")));
      state = "RUNNING";

      // A viewer token minted with the jar reads, and may not start anything.
      String viewer = jar("token", "--data-dir", dataDir.toString(), "--role", "viewer", "--project", "default",
          "--sub", "watcher", "--ttl", "30m").trim();
      Http asViewer = http.withToken(viewer);
      assertThat(asViewer.get("/v1/domains/web1").status()).isEqualTo(200);
      Http.Answer refused = asViewer.post("/v1/domains/web1/shutdown", "{}");
      assertThat(refused.status()).as(refused.body()).isEqualTo(403);
      assertThat(refused.json().getString("code")).isEqualTo("ACCESS_DENIED");

      String kcat = kcat("127.0.0.1:" + kafkaPort);
      if (kcat != null) {
        assertThat(kcat).contains(domainId);
      }

      int exit = first.sigterm();
      assertThat(exit).isEqualTo(143); // 128 + SIGTERM, after the shutdown hook ran
      assertThat(first.output()).anyMatch(l -> l.contains("virtflow: stopped"));
    }

    String keyBefore = Files.readString(dataDir.resolve("keys").resolve("jwt-public.pem"));
    try (Stack second = Stack.up(dataDir, kafkaPort)) {
      // The same key pair again, and a fresh admin token signed with it.
      assertThat(Files.readString(dataDir.resolve("keys").resolve("jwt-public.pem"))).isEqualTo(keyBefore);
      Http http = new Http(second.url, Files.readString(dataDir.resolve("admin.token")).trim());
      await().atMost(Duration.ofSeconds(30)).until(() -> http.get("/v1/domains/web1").status() == 200);
      JsonObject web1 = http.get("/v1/domains/web1").json();
      assertThat(web1.getString("domainId")).isEqualTo(domainId);
      assertThat(web1.getString("state")).isEqualTo(state);
      second.sigterm();
    }
  }

  /** Runs the packaged jar with {@code args}; returns its standard output, or fails with its output. */
  private static String jar(String... args) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-jar", JAR.toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  /** kcat's view of vm.events as the README shows it; null when kcat is not installed (and not required). */
  private static String kcat(String bootstrap) throws Exception {
    boolean required = "1".equals(System.getenv("VIRTFLOW_REQUIRE_KCAT"));
    Process p;
    try {
      p = new ProcessBuilder("kcat", "-C", "-b", bootstrap, "-t", "virtflow.vm.events", "-o", "beginning", "-e", "-q",
          "-f", "%k %p:%o\\n").redirectErrorStream(true).start();
    } catch (IOException e) {
      assertThat(required).as("kcat is required (VIRTFLOW_REQUIRE_KCAT=1) but missing: " + e.getMessage()).isFalse();
      return null;
    }
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** One {@code virtflow up} process. */
  private static final class Stack implements AutoCloseable {
    final Process process;
    final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    volatile String url;
    Thread reader;

    private Stack(Process process) {
      this.process = process;
    }

    static Stack up(Path dataDir, int kafkaPort) throws Exception {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process p = new ProcessBuilder(java, "-Xmx768m", "-jar", JAR.toString(), "up", "--hosts", "1",
          "--http-port", Integer.toString(freePort()), "--kafka-port", Integer.toString(kafkaPort),
          "--data-dir", dataDir.toString()).redirectErrorStream(true).start();
      Stack s = new Stack(p);
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            s.lines.add(line);
            if (line.contains("HTTP API")) {
              s.url = line.replaceAll(".*(http://[^/ ]+).*", "$1");
            }
          }
        } catch (IOException e) {
          // process ended
        }
      }, "virtflow-out");
      reader.setDaemon(true);
      reader.start();
      s.reader = reader;
      await().atMost(Duration.ofSeconds(90)).until(() -> s.url != null || !p.isAlive());
      assertThat(s.url).as("virtflow up printed no HTTP URL:\n%s", String.join("\n", s.output())).isNotNull();
      return s;
    }

    List<String> output() {
      synchronized (lines) {
        return List.copyOf(lines);
      }
    }

    int sigterm() throws InterruptedException {
      // SIGTERM. Process.destroy() would also close our end of its output before the shutdown hook speaks.
      process.toHandle().destroy();
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("stopped within 60 s").isTrue();
      reader.join(10_000); // the last lines are still in the pipe when the process is gone
      return process.exitValue();
    }

    @Override
    public void close() {
      if (process.isAlive()) {
        process.destroyForcibly();
      }
    }
  }

  static {
    try {
      Files.createDirectories(Path.of("target"));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
