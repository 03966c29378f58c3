package io.virtflow.platform.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The real hypervisor for the libvirt driver's tests: libvirtd at {@value #URI} and a tiny guest (a Debian
 * cloud kernel and a busybox initramfs, built once by {@code devstack/make-guest.sh} and cached under
 * {@code target/}) that boots in seconds under TCG and prints {@value #READY} on its serial console. Where
 * libvirt is missing the tests are skipped, unless {@code VIRTFLOW_REQUIRE_LIBVIRT=1} (CI) makes them fail.
 */
public final class RealLibvirt {
  public static final String REQUIRE = "VIRTFLOW_REQUIRE_LIBVIRT";
  public static final String URI = System.getenv().getOrDefault("VIRTFLOW_TEST_LIBVIRT_URI", "qemu:///system");
  public static final String READY = "virtflow-guest: ready";
  public static final String CMDLINE = "console=ttyS0 quiet panic=-1";
  private static Path images;
  private static String unavailable;

  private RealLibvirt() {
  }

  /** Skips (or, in CI, fails) the calling test when there is no libvirt to talk to. */
  public static synchronized void require() {
    if (unavailable == null && images == null) {
      probe();
    }
    if (unavailable == null) {
      return;
    }
    if ("1".equals(System.getenv(REQUIRE))) {
      Assertions.fail(unavailable + ", and " + REQUIRE + "=1 requires it");
    }
    Assumptions.abort(unavailable + ": libvirt test skipped (set " + REQUIRE + "=1 to fail instead)");
  }

  private static void probe() {
    try {
      Result r = run(List.of("virsh", "-c", URI, "version"), Duration.ofSeconds(60));
      if (r.exit() != 0) {
        unavailable = "libvirt at " + URI + " does not answer (" + r.output().trim() + "); run devstack/libvirt-setup.sh";
        return;
      }
      Path dir = Path.of("target", "guest-images").toAbsolutePath();
      Path script = Path.of("..", "devstack", "make-guest.sh").toAbsolutePath().normalize();
      Result made = run(List.of("bash", script.toString(), dir.toString()), Duration.ofMinutes(5));
      if (made.exit() != 0) {
        unavailable = "cannot build the test guest with " + script + ": " + made.output();
        return;
      }
      images = dir;
    } catch (IOException e) {
      unavailable = "virsh is not installed (" + e.getMessage() + ")";
    }
  }

  /** The image directory with {@code vmlinuz}, {@code initrd.img} and {@code base.qcow2}. */
  public static Path images() {
    require();
    return images;
  }

  /** {@code virsh -c URI args...}, which must succeed; its output. */
  public static String virsh(String... args) {
    List<String> cmd = new ArrayList<>(List.of("virsh", "-c", URI));
    cmd.addAll(List.of(args));
    try {
      Result r = run(cmd, Duration.ofSeconds(60));
      if (r.exit() != 0) {
        throw new AssertionError(String.join(" ", cmd) + " failed: " + r.output());
      }
      return r.output();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Undefines (destroying first) every libvirt domain whose name starts with {@code prefix}. */
  public static void removeDomainsStartingWith(String prefix) {
    for (String name : virsh("list", "--all", "--name").split("\n")) {
      String n = name.trim();
      if (!n.isEmpty() && n.startsWith(prefix)) {
        try {
          run(List.of("virsh", "-c", URI, "destroy", n), Duration.ofSeconds(60));
          run(List.of("virsh", "-c", URI, "undefine", n, "--snapshots-metadata"), Duration.ofSeconds(60));
        } catch (IOException e) {
          throw new AssertionError(e);
        }
      }
    }
  }

  /** The serial console log so far (empty when the guest has not written one). */
  public static String console(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** How many times {@link #READY} is in the console log. */
  public static int readyCount(Path log) {
    String text = console(log);
    int count = 0;
    for (int i = text.indexOf(READY); i >= 0; i = text.indexOf(READY, i + 1)) {
      count++;
    }
    return count;
  }

  public record Result(int exit, String output) {
  }

  public static Result run(List<String> command, Duration timeout) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    // Read while it runs: a full pipe would stop it.
    java.util.concurrent.CompletableFuture<byte[]> out = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return p.getInputStream().readAllBytes();
      } catch (IOException e) {
        return new byte[0];
      }
    });
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        return new Result(-1, String.join(" ", command) + " timed out");
      }
      return new Result(p.exitValue(), new String(out.join(), StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }
}
