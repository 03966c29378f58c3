package io.virtflow.devstack.cli;

import static io.virtflow.devstack.cli.CliStack.virtflow;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import io.virtflow.devstack.VirtflowCli;

/**
 * The progress line through a real pseudo-terminal: the CLI in a JVM of its own, under util-linux
 * {@code script} (which gives it a pty), draws a spinner with the command's status and elapsed time on
 * stderr and erases it; the same CLI piped draws nothing.
 */
@ExtendWith(CliStack.class)
class ProgressOnTerminalCliTest {

  private static List<String> cli(String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", classPath(),
        VirtflowCli.class.getName()));
    cmd.addAll(List.of(CliStack.withConnection(CliStack.url(), CliStack.adminTokenFile(), args)));
    return cmd;
  }

  /** The test JVM's real class path (surefire hands the forked JVM a manifest-only jar as java.class.path). */
  private static String classPath() {
    String cp = System.getProperty("surefire.test.class.path");
    return cp == null || cp.isBlank() ? System.getProperty("java.class.path") : cp;
  }

  private static String quoted(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  private record Result(int exit, String out, String err) {
  }

  private static Result exec(List<String> command, Path dir) throws Exception {
    Path out = dir.resolve("out-" + System.nanoTime());
    Path err = dir.resolve("err-" + System.nanoTime());
    Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the CLI ends").isTrue();
    return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void aWaitingVerbShowsProgressOnATerminalAndNothingWhenPiped(@TempDir Path dir) throws Exception {
    assumeTrue(new File("/usr/bin/script").canExecute() || new File("/bin/script").canExecute(),
        "util-linux script (a pseudo-terminal) is not installed");
    assertThat(virtflow("define", "--name", "pty1", "--vcpus", "1", "--memory", "128").exit()).isZero();

    // script -qfec CMD /dev/null: CMD's stdin, stdout and stderr are a pty; what it writes comes out on
    // script's stdout.
    StringBuilder shell = new StringBuilder();
    for (String part : cli("start", "pty1")) {
      shell.append(shell.length() == 0 ? "" : " ").append(quoted(part));
    }
    Result tty = exec(List.of("script", "-qfec", shell.toString(), "/dev/null"), dir);
    assertThat(tty.exit()).as(tty.out() + tty.err()).isZero();
    assertThat(tty.out()).containsPattern("\r[|/\\\\-] start pty1: (ACCEPTED|RUNNING)  \\d+\\.\\ds ")
        .contains("\r\033[K")
        .endsWith("Domain 'pty1' started\r\n");

    Result piped = exec(cli("destroy", "pty1"), dir);
    assertThat(piped.exit()).as(piped.out() + piped.err()).isZero();
    assertThat(piped.out()).isEqualTo("Domain 'pty1' destroyed\n");
    assertThat(piped.err()).isEmpty();
    virtflow("undefine", "pty1");
  }
}
