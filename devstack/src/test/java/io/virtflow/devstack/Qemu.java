package io.virtflow.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * qemu-io and qemu-img as a test reads and writes disks: one 64 KiB region per pattern byte. Without
 * qemu-utils the disk tests are skipped, unless VIRTFLOW_REQUIRE_QEMU=1 (CI), where they fail.
 */
final class Qemu {
  static final int REGION = 64 * 1024;

  private Qemu() {
  }

  static void require() {
    boolean present = Files.isExecutable(Path.of("/usr/bin/qemu-img")) || onPath("qemu-img");
    if ("1".equals(System.getenv("VIRTFLOW_REQUIRE_QEMU"))) {
      assertThat(present).as("qemu-img is required (VIRTFLOW_REQUIRE_QEMU=1) but missing").isTrue();
    }
    Assumptions.assumeTrue(present, "qemu-utils not installed");
  }

  private static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  /** Writes pattern byte {@code value} over region {@code region} of a qcow2 file. */
  static void write(String file, int region, int value) {
    run("qemu-io", "-f", "qcow2", "-c", "write -P " + value + " " + (long) region * REGION + " " + REGION, file);
  }

  /**
   * The pattern byte of every region (0 where nothing was written), read through the backing chain. Tests
   * write whole regions with one byte, so the first byte of a region names its pattern.
   */
  static List<Integer> read(String file, int regions) {
    List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", "qcow2", "-r", "-U"));
    for (int r = 0; r < regions; r++) {
      cmd.add("-c");
      cmd.add("read -v " + (long) r * REGION + " 1");
    }
    cmd.add(file);
    Result dump = run(cmd.toArray(String[]::new));
    java.util.regex.Pattern line = java.util.regex.Pattern.compile("^([0-9a-f]{8}):\\s+([0-9a-f]{2})");
    java.util.Map<Long, Integer> byOffset = new java.util.HashMap<>();
    dump.out.lines().forEach(l -> {
      java.util.regex.Matcher m = line.matcher(l);
      if (m.find()) {
        byOffset.put(Long.parseLong(m.group(1), 16), Integer.parseInt(m.group(2), 16));
      }
    });
    List<Integer> out = new ArrayList<>();
    for (int r = 0; r < regions; r++) {
      Integer v = byOffset.get((long) r * REGION);
      assertThat(v).as("qemu-io read region %d of %s: %s", r, file, dump.out).isNotNull();
      out.add(v);
    }
    return out;
  }

  /** Checks a whole region holds one pattern byte (qemu-io prints "Pattern verification failed" if not). */
  static void verify(String file, int region, int value) {
    Result r = run("qemu-io", "-f", "qcow2", "-r", "-c", "read -P " + value + " " + (long) region * REGION + " " + REGION, file);
    assertThat(r.out).doesNotContain("Pattern verification failed");
  }

  /** The content of internal snapshot {@code tag} of {@code file}, via a flattened copy. */
  static List<Integer> readInternal(String file, String tag, int regions, Path scratch) {
    try {
      Path copy = Files.createTempFile(scratch, "snap-", ".qcow2");
      Files.delete(copy);
      run("qemu-img", "convert", "-U", "-l", "snapshot.name=" + tag, "-O", "qcow2", file, copy.toString());
      List<Integer> out = read(copy.toString(), regions);
      Files.delete(copy);
      return out;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** qemu-img check: exit 0 means no corruption, no leaks. */
  static void check(String file) {
    run("qemu-img", "check", "-U", file);
  }

  record Result(int exit, String out) {
  }

  static Result run(String... cmd) {
    Result r = tryRun(cmd);
    assertThat(r.exit).as("%s failed: %s", String.join(" ", cmd), r.out).isZero();
    return r;
  }

  static Result tryRun(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      return new Result(p.exitValue(), out);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
