package io.virtflow.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import io.virtflow.agent.disk.QemuImg;

/**
 * Disk tests need the real {@code qemu-img} and {@code qemu-io} (Debian {@code qemu-utils}). Where they are
 * missing, a disk test is skipped, unless {@code VIRTFLOW_REQUIRE_QEMU=1} (CI) makes it fail. Also the
 * byte checks: {@code qemu-io} writes and verifies patterns.
 */
public final class Qemu {
  public static final String REQUIRE = "VIRTFLOW_REQUIRE_QEMU";
  private static final Boolean AVAILABLE = probe();

  private Qemu() {
  }

  private static boolean probe() {
    try {
      return exec(List.of("qemu-img", "--version")).exit() == 0 && exec(List.of("qemu-io", "--version")).exit() == 0;
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether qemu-img and qemu-io run here. */
  public static boolean available() {
    return AVAILABLE;
  }

  /** Skips the calling test when qemu-utils is missing, or fails it when {@code VIRTFLOW_REQUIRE_QEMU=1}. */
  public static void require() {
    if (AVAILABLE) {
      return;
    }
    String why = "qemu-img and qemu-io (Debian package qemu-utils) are not installed";
    if ("1".equals(System.getenv(REQUIRE))) {
      Assertions.fail(why + ", and " + REQUIRE + "=1 requires them");
    }
    Assumptions.abort(why + ": disk test skipped (set " + REQUIRE + "=1 to fail instead)");
  }

  /** The disk backend for tests about something else: qcow2 where qemu-img runs, else memory. */
  public static String backendForLifecycleTests() {
    return AVAILABLE ? "qcow2" : "memory";
  }

  /** A qemu-img wrapper for a test (after {@link #require()}); close it. */
  public static QemuImg qemuImg() {
    require();
    try {
      return QemuImg.open("qemu-img", Duration.ofSeconds(30));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** {@code qemu-io -c "write -P pattern offset length" file}. */
  public static void write(Path file, int pattern, String offset, String length) {
    Result r = io(file, "write -P 0x" + Integer.toHexString(pattern) + " " + offset + " " + length);
    assertThat(r.exit()).as("qemu-io write: %s", r.output()).isZero();
  }

  /**
   * Whether {@code length} bytes at {@code offset} all read {@code pattern}: {@code qemu-io read -P} exits 0,
   * or exits 1 and prints "Pattern verification failed".
   */
  public static boolean reads(Path file, int pattern, String offset, String length) {
    Result r = io(file, "read -P 0x" + Integer.toHexString(pattern) + " " + offset + " " + length);
    if (r.exit() == 0) {
      return true;
    }
    assertThat(r.output()).as("qemu-io read failed for another reason (exit %d)", r.exit())
        .contains("Pattern verification failed");
    return false;
  }

  private static Result io(Path file, String command) {
    require();
    try {
      return exec(List.of("qemu-io", "-f", "qcow2", "-c", command, file.toString()));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Exit code and merged output of a short process. */
  public record Result(int exit, String output) {
  }

  public static Result exec(List<String> command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(command + " did not finish");
      }
      return new Result(p.exitValue(), out);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }
}
