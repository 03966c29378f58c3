package io.virtflow.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.json.JsonObject;
import io.virtflow.gateway.auth.KeyFiles;
import picocli.CommandLine;

/** {@code virtflow token}, in-process: what it prints, and how it refuses bad input (exit code 2). */
class TokenCommandTest {

  /** One run of the command line: exit code, standard output, standard error. */
  private record Run(int exit, String out, String err) {
  }

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new VirtflowCli());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  private static JsonObject claims(String token) {
    String[] parts = token.trim().split("\\.");
    assertThat(parts).hasSize(3);
    return new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1])));
  }

  @Test
  void printsATokenSignedWithTheDataDirsKey(@TempDir Path dataDir) throws Exception {
    KeyFiles.loadOrCreate(DevStack.keysDir(dataDir));
    assertThat(Files.getPosixFilePermissions(DevStack.keysDir(dataDir).resolve(KeyFiles.PRIVATE_FILE)))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    Run r = run("token", "--data-dir", dataDir.toString(), "--role", "operator", "--project", "blue",
        "--project", "green", "--sub", "ci-bot", "--ttl", "30m");
    assertThat(r.exit()).as(r.err()).isZero();
    JsonObject c = claims(r.out());
    assertThat(c.getString("sub")).isEqualTo("ci-bot");
    assertThat(c.getString("role")).isEqualTo("operator");
    assertThat(c.getJsonArray("projects").getList()).containsExactlyInAnyOrder("blue", "green");
    assertThat(c.getString("iss")).isEqualTo("virtflow");
    assertThat(c.getLong("exp") - c.getLong("iat")).isEqualTo(Duration.ofMinutes(30).toSeconds());
    String header = new String(Base64.getUrlDecoder().decode(r.out().trim().split("\\.")[0]));
    assertThat(new JsonObject(header).getString("alg")).isEqualTo("ES256");
  }

  @Test
  void badValuesAreRefusedWithExitCode2(@TempDir Path dataDir) throws Exception {
    KeyFiles.loadOrCreate(DevStack.keysDir(dataDir));
    String dir = dataDir.toString();
    for (String[] args : new String[][] {
        {"token", "--data-dir", dir, "--role", "root", "--project", "p"},
        {"token", "--data-dir", dir, "--role", "viewer", "--project", "p", "--ttl", "10x"},
        {"token", "--data-dir", dir, "--role", "viewer", "--project", "p", "--ttl", "-1h"},
        {"token", "--data-dir", dir, "--role", "viewer", "--project", "p", "--ttl", "99999d"},
        {"token", "--data-dir", dir, "--role", "viewer"},
        {"token", "--data-dir", dir}}) {
      Run r = run(args);
      assertThat(r.exit()).as(String.join(" ", args) + " -> " + r.err()).isEqualTo(2);
      assertThat(r.out()).isEmpty();
      assertThat(r.err()).isNotBlank();
    }
  }

  @Test
  void aDataDirWithoutKeysIsAClearError(@TempDir Path dataDir) {
    Run r = run("token", "--data-dir", dataDir.toString(), "--role", "admin");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("no token keys in").contains("virtflow up");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void durationsParse() {
    assertThat(VirtflowCli.parseDuration("45s")).isEqualTo(Duration.ofSeconds(45));
    assertThat(VirtflowCli.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(VirtflowCli.parseDuration("7d")).isEqualTo(Duration.ofDays(7));
  }
}
