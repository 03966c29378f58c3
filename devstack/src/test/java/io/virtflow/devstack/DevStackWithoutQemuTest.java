package io.virtflow.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.json.JsonObject;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;

/** A machine without qemu-img still runs the dev stack: disks in memory, snapshots refused, and it says so. */
class DevStackWithoutQemuTest {

  @Test
  void withoutQemuImgDisksLiveInMemoryAndSnapshotsAreRefusedWithAReason(@TempDir Path dataDir) {
    BusConfig bus = KafkaFixture.freshBus();
    try (DevStack stack = DevStack.start(new DevStack.Options(1, 0, 0, dataDir, bus.bootstrap(),
        bus.topics().namespace(), 0, Map.of("VIRTFLOW_QEMU_IMG", "/nonexistent/qemu-img")))) {
      assertThat(stack.warning()).contains("qemu-img not found").contains("qemu-utils");
      Http http = new Http(stack.httpUrl());
      await().atMost(Duration.ofSeconds(30)).until(() -> http.get("/v1/hosts").json().getJsonArray("hosts").stream()
          .anyMatch(h -> "UP".equals(((JsonObject) h).getString("status"))));
      JsonObject defined = http.run("/v1/domains", "{\"name\":\"mem1\",\"vcpus\":1,\"memoryMiB\":128,"
          + "\"disks\":[{\"target\":\"vda\",\"sizeGiB\":1}]}");
      assertThat(defined.getString("status")).isEqualTo("SUCCEEDED");
      assertThat(http.run("/v1/domains/mem1/start", "{}").getString("status")).isEqualTo("SUCCEEDED");
      await().atMost(Duration.ofSeconds(10)).until(() -> http.get("/v1/domains/mem1").status() == 200);
      JsonObject snap = http.run("/v1/domains/mem1/snapshots", "{\"name\":\"s\",\"kind\":\"INTERNAL\"}");
      assertThat(snap.getString("status")).isIn("REJECTED", "FAILED");
      assertThat(snap.getString("code")).as(snap.encode()).isIn("OPERATION_INVALID", "OPERATION_UNSUPPORTED");
    }
  }
}
