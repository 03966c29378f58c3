package io.virtflow.agent.driver;

import java.io.IOException;
import java.time.Clock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.virtflow.agent.HostAgentConfig;
import io.virtflow.agent.disk.QemuImg;
import io.virtflow.agent.driver.libvirt.LibvirtHypervisor;

/**
 * Opens the driver the configuration names ({@code VIRTFLOW_DRIVER}): the only place that knows the
 * drivers' classes. Blocking.
 */
public final class Drivers {
  private static final Logger LOG = LoggerFactory.getLogger(Drivers.class);

  private Drivers() {
  }

  public static Hypervisor open(HostAgentConfig config, Clock clock) throws IOException {
    return switch (config.driver()) {
      case SimHypervisor.NAME -> openSim(config, clock);
      case LibvirtHypervisor.NAME -> LibvirtHypervisor.open(config, clock);
      default -> throw new IllegalArgumentException("no driver '" + config.driver() + "'");
    };
  }

  private static Hypervisor openSim(HostAgentConfig config, Clock clock) throws IOException {
    // Before anything is counted or opened: an agent that cannot work its disks does not start.
    QemuImg qemu = null;
    if (SimHypervisor.QCOW2_BACKEND.equals(config.simDiskBackend())) {
      qemu = QemuImg.open(config.qemuImg(), config.qemuTimeout());
      LOG.info("{}: disk backend qcow2 with {}", config.hostId(), qemu);
    }
    try {
      SimHypervisor sim = SimHypervisor.open(config.dataDir(), config.simLatency().all(),
          config.simLatency().byOperation(), clock, qemu);
      sim.setFaultRate(config.simFaultRate());
      sim.setShutdownTimeout(config.shutdownTimeout());
      sim.setImageDir(config.imageDir());
      return sim;
    } catch (IOException | RuntimeException e) {
      if (qemu != null) {
        qemu.close();
      }
      throw e;
    }
  }
}
