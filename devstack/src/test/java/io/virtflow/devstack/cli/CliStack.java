package io.virtflow.devstack.cli;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.vertx.core.json.JsonObject;
import io.virtflow.devstack.DevStack;
import io.virtflow.devstack.VirtflowCli;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;
import picocli.CommandLine;

/**
 * The one dev stack (sim driver, two hosts UP, on the shared test broker) that every CLI test class of a
 * test JVM talks to, started by the first class that asks and stopped at the end of the run; and the CLI
 * run in-process against it, output captured as a user would see it.
 */
final class CliStack implements BeforeAllCallback {
  private static Shared shared;

  @Override
  public void beforeAll(ExtensionContext context) {
    synchronized (CliStack.class) {
      if (shared == null) {
        shared = new Shared();
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).put(CliStack.class.getName(), shared);
      }
    }
  }

  static DevStack stack() {
    return shared.stack;
  }

  static String url() {
    return shared.stack.httpUrl();
  }

  static Path adminTokenFile() {
    return DevStack.adminTokenFile(shared.dataDir);
  }

  /** What one run of the command line left: its exit code, its standard output and standard error. */
  record Run(int exit, String out, String err) {
    /** The output's lines, without the line ends. */
    List<String> lines() {
      return out.lines().toList();
    }

    JsonObject json() {
      return new JsonObject(out.strip());
    }

    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  /** {@code virtflow ARGS --url <the stack> --token-file <its admin token>}. */
  static Run virtflow(String... args) {
    return virtflowAt(url(), adminTokenFile(), args);
  }

  static Run virtflowAt(String url, Path tokenFile, String... args) {
    return run(new StringWriter(), new StringWriter(), withConnection(url, tokenFile, args));
  }

  static String[] withConnection(String url, Path tokenFile, String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.add("--url");
    all.add(url);
    all.add("--token-file");
    all.add(tokenFile.toString());
    return all.toArray(String[]::new);
  }

  /** The command line exactly as given, writing into {@code out} and {@code err} (readable meanwhile). */
  static Run run(StringWriter out, StringWriter err, String... args) {
    CommandLine cli = new CommandLine(new VirtflowCli());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  /** A token file holding {@code token}. */
  static Path tokenFile(Path dir, String token) {
    try {
      Path f = Files.createTempFile(dir, "token", ".jwt");
      Files.writeString(f, token);
      return f;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The stack and its data dir, closed by JUnit when the whole run ends. */
  private static final class Shared implements ExtensionContext.Store.CloseableResource {
    final Path dataDir;
    final DevStack stack;

    Shared() {
      try {
        dataDir = Files.createTempDirectory("virtflow-cli-test");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Path images = imageDir(dataDir.resolve("images"));
      BusConfig bus = KafkaFixture.freshBus();
      stack = DevStack.start(new DevStack.Options(2, 0, 0, dataDir, bus.bootstrap(), bus.topics().namespace(), 0,
          Map.of("VIRTFLOW_IMAGE_DIR", images.toString())));
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        Run hosts = virtflowAt(stack.httpUrl(), DevStack.adminTokenFile(dataDir), "hosts", "--json");
        return hosts.exit() == 0 && hosts.json().getJsonArray("hosts").stream().map(JsonObject.class::cast)
            .filter(h -> "UP".equals(h.getString("status")) && h.getJsonArray("images").contains("base.qcow2"))
            .count() == 2;
      });
    }

    /** What a definition for a real VM names: a kernel, an initrd (the sim only checks they exist), a qcow2 base. */
    private static Path imageDir(Path dir) {
      try {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("vmlinuz"), "not a kernel");
        Files.writeString(dir.resolve("initrd.img"), "not an initrd");
        Process p = new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", dir.resolve("base.qcow2").toString(),
            "64M").redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
          throw new IllegalStateException("qemu-img create failed: " + output);
        }
        return dir;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void close() throws IOException {
      stack.close();
      try (var files = Files.walk(dataDir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }
}
