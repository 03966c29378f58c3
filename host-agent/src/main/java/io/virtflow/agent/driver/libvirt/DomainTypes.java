package io.virtflow.agent.driver.libvirt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.virtflow.agent.store.AtomicFile;

/**
 * Whether guests run under KVM or QEMU's TCG on this host. libvirt's capabilities offer {@code kvm}
 * wherever {@code /dev/kvm} exists, also where it cannot run a guest (a nested {@code kvm_pvm} host): so the
 * probe looks at the kernel's modules itself, and keeps its answer in the data directory so that a restart
 * costs nothing.
 */
final class DomainTypes {
  private static final Logger LOG = LoggerFactory.getLogger(DomainTypes.class);
  static final String CACHE = "libvirt-domain-type";

  private DomainTypes() {
  }

  /** {@code kvm} or {@code qemu}: as configured, or as probed ({@code auto}). */
  static String decide(String configured, Path dataDir) throws IOException {
    if (!"auto".equals(configured)) {
      return configured;
    }
    Path cache = dataDir.resolve(CACHE);
    if (Files.exists(cache)) {
      String cached = Files.readString(cache, StandardCharsets.UTF_8).trim();
      if (cached.equals("kvm") || cached.equals("qemu")) {
        return cached;
      }
    }
    String probed = probe(Path.of("/dev/kvm"), Path.of("/proc/modules"));
    AtomicFile.write(cache, (probed + "\n").getBytes(StandardCharsets.UTF_8));
    LOG.info("libvirt domain type: {} (probed; kept in {})", probed, cache);
    return probed;
  }

  /** {@code kvm} only with {@code /dev/kvm} served by kvm_intel or kvm_amd, and not by kvm_pvm. */
  static String probe(Path devKvm, Path modules) {
    if (!Files.exists(devKvm) || !Files.isReadable(modules)) {
      return "qemu";
    }
    try {
      boolean hardware = false;
      for (String line : Files.readAllLines(modules, StandardCharsets.UTF_8)) {
        String module = line.split(" ", 2)[0];
        if (module.equals("kvm_pvm")) {
          return "qemu";
        }
        hardware |= module.equals("kvm_intel") || module.equals("kvm_amd");
      }
      return hardware ? "kvm" : "qemu";
    } catch (IOException e) {
      return "qemu";
    }
  }
}
