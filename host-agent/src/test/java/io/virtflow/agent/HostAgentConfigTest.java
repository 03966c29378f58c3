package io.virtflow.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.virtflow.agent.domain.Operation;
import io.virtflow.platform.config.Settings;

class HostAgentConfigTest {

  @Test
  void defaults() {
    HostAgentConfig c = HostAgentConfig.from(Map.of("VIRTFLOW_HOST_ID", "h1"));
    assertThat(c.hostId()).isEqualTo("h1");
    assertThat(c.dataDir()).isEqualTo(Path.of(".virtflow", "agent-h1"));
    assertThat(c.driver()).isEqualTo("sim");
    assertThat(c.simLatency().all()).isEqualTo(Duration.ZERO);
    assertThat(c.heartbeatInterval()).isEqualTo(Duration.ofSeconds(3));
    assertThat(c.maxConcurrentDomains()).isEqualTo(16);
    assertThat(c.hostVcpus()).isEqualTo(64);
    assertThat(c.hostMemoryMiB()).isEqualTo(262_144);
    assertThat(c.healthPort()).isZero();
    assertThat(c.simDiskBackend()).isEqualTo("qcow2");
    assertThat(c.qemuImg()).isEqualTo("qemu-img");
    assertThat(c.qemuTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.simFaultRate()).isZero();
    assertThat(c.driverTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.driverBreakerWait()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.bus().bootstrap()).isEqualTo("127.0.0.1:9092");
    assertThat(c.bus().topics().hostCommands("h1")).isEqualTo("virtflow.host.h1.commands");
  }

  @Test
  void everyKeyIsRead() {
    HostAgentConfig c = HostAgentConfig.from(Map.ofEntries(
        Map.entry("VIRTFLOW_HOST_ID", "rack1-h07"),
        Map.entry("VIRTFLOW_DATA_DIR", "/var/lib/virtflow"),
        Map.entry("VIRTFLOW_DRIVER", "sim"),
        Map.entry("VIRTFLOW_SIM_LATENCY_MS", "5, start=200 ,SHUTDOWN=50"),
        Map.entry("VIRTFLOW_HEARTBEAT_MS", "1000"),
        Map.entry("VIRTFLOW_AGENT_MAX_CONCURRENT_DOMAINS", "4"),
        Map.entry("VIRTFLOW_HOST_VCPUS", "32"),
        Map.entry("VIRTFLOW_HOST_MEMORY_MIB", "65536"),
        Map.entry("VIRTFLOW_HEALTH_PORT", "8081"),
        Map.entry("VIRTFLOW_SIM_DISK_BACKEND", "MEMORY"),
        Map.entry("VIRTFLOW_QEMU_IMG", "/opt/qemu/bin/qemu-img"),
        Map.entry("VIRTFLOW_QEMU_TIMEOUT_MS", "5000"),
        Map.entry("VIRTFLOW_SIM_FAULT_RATE", "0.25"),
        Map.entry("VIRTFLOW_DRIVER_TIMEOUT_MS", "7000"),
        Map.entry("VIRTFLOW_DRIVER_BREAKER_WAIT_MS", "2000"),
        Map.entry("VIRTFLOW_KAFKA_BOOTSTRAP", "kafka:9092"),
        Map.entry("VIRTFLOW_TOPIC_NAMESPACE", "prod")));
    assertThat(c.dataDir()).isEqualTo(Path.of("/var/lib/virtflow"));
    assertThat(c.simLatency().all()).isEqualTo(Duration.ofMillis(5));
    assertThat(c.simLatency().byOperation()).isEqualTo(Map.of(Operation.START, Duration.ofMillis(200),
        Operation.SHUTDOWN, Duration.ofMillis(50)));
    assertThat(c.heartbeatInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.maxConcurrentDomains()).isEqualTo(4);
    assertThat(c.hostVcpus()).isEqualTo(32);
    assertThat(c.hostMemoryMiB()).isEqualTo(65_536);
    assertThat(c.healthPort()).isEqualTo(8081);
    assertThat(c.simDiskBackend()).isEqualTo("memory");
    assertThat(c.qemuImg()).isEqualTo("/opt/qemu/bin/qemu-img");
    assertThat(c.qemuTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.simFaultRate()).isEqualTo(0.25);
    assertThat(c.driverTimeout()).isEqualTo(Duration.ofSeconds(7));
    assertThat(c.driverBreakerWait()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.bus().bootstrap()).isEqualTo("kafka:9092");
    assertThat(c.bus().topics().namespace()).isEqualTo("prod");
    assertThat(c.toString()).contains("hostId=rack1-h07", "simLatency=5ms,start=200,shutdown=50", "health=0.0.0.0:8081",
        "bootstrap=kafka:9092");
  }

  @Test
  void liveMergesAreBoundedInsideTheDriverTimeout() {
    HostAgentConfig d = HostAgentConfig.from(Map.of("VIRTFLOW_HOST_ID", "h1", "VIRTFLOW_DRIVER_TIMEOUT_MS", "60000"));
    assertThat(d.libvirt().blockJobTimeout()).isEqualTo(Duration.ofSeconds(40));
    assertThat(d.libvirt().blockJobBandwidthMiB()).isZero();
    HostAgentConfig set = HostAgentConfig.from(Map.of("VIRTFLOW_HOST_ID", "h1", "VIRTFLOW_BLOCK_JOB_TIMEOUT_MS", "5000",
        "VIRTFLOW_BLOCK_JOB_BANDWIDTH_MIB", "2"));
    assertThat(set.libvirt().blockJobTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(set.libvirt().blockJobBandwidthMiB()).isEqualTo(2);
    assertThatThrownBy(() -> HostAgentConfig.from(Map.of("VIRTFLOW_HOST_ID", "h1", "VIRTFLOW_DRIVER_TIMEOUT_MS", "10000",
        "VIRTFLOW_BLOCK_JOB_TIMEOUT_MS", "10000", "VIRTFLOW_BLOCK_JOB_BANDWIDTH_MIB", "-1")))
        .isInstanceOf(Settings.ConfigException.class)
        .hasMessageContaining("VIRTFLOW_BLOCK_JOB_TIMEOUT_MS=10000 must be shorter than VIRTFLOW_DRIVER_TIMEOUT_MS")
        .hasMessageContaining("VIRTFLOW_BLOCK_JOB_BANDWIDTH_MIB");
  }

  @Test
  void theHostIdIsRequired() {
    assertThatThrownBy(() -> HostAgentConfig.from(Map.of()))
        .isInstanceOf(Settings.ConfigException.class).hasMessageContaining("VIRTFLOW_HOST_ID is required");
  }

  @Test
  void everyBadValueIsNamedAtOnce() {
    assertThatThrownBy(() -> HostAgentConfig.from(Map.of(
        "VIRTFLOW_HOST_ID", "h1.bad",
        "VIRTFLOW_DRIVER", "xen",
        "VIRTFLOW_SIM_LATENCY_MS", "fast,teleport=3",
        "VIRTFLOW_AGENT_MAX_CONCURRENT_DOMAINS", "0",
        "VIRTFLOW_HEALTH_PORT", "70000",
        "VIRTFLOW_SIM_DISK_BACKEND", "tape",
        "VIRTFLOW_QEMU_TIMEOUT_MS", "0",
        "VIRTFLOW_SIM_FAULT_RATE", "1.5",
        "VIRTFLOW_DRIVER_TIMEOUT_MS", "0")))
        .isInstanceOf(Settings.ConfigException.class)
        .hasMessageContaining("VIRTFLOW_HOST_ID=h1.bad is not a host id")
        .hasMessageContaining("VIRTFLOW_DRIVER=xen is not supported; supported drivers: sim, libvirt")
        .hasMessageContaining("'fast' is not a number of milliseconds")
        .hasMessageContaining("'teleport' is not an operation")
        .hasMessageContaining("VIRTFLOW_AGENT_MAX_CONCURRENT_DOMAINS=0 is outside")
        .hasMessageContaining("VIRTFLOW_HEALTH_PORT=70000 is outside")
        .hasMessageContaining("VIRTFLOW_SIM_DISK_BACKEND=tape is not a disk backend; choose one of qcow2, memory")
        .hasMessageContaining("VIRTFLOW_QEMU_TIMEOUT_MS=0 is outside")
        .hasMessageContaining("VIRTFLOW_SIM_FAULT_RATE=1.5 is not a share between 0.0 and 1.0")
        .hasMessageContaining("VIRTFLOW_DRIVER_TIMEOUT_MS=0 is outside");
  }
}
