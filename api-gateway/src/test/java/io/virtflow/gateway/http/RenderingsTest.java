package io.virtflow.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtflow.gateway.domain.BootSpec;
import io.virtflow.gateway.domain.DomainView;
import io.virtflow.gateway.domain.HostView;
import io.virtflow.gateway.domain.InterfaceSpec;

class RenderingsTest {

  @Test
  void aResultIsShownAsTheJsonItHoldsOrAsTextWhenItIsNotJson() {
    assertThat(Renderings.result("{\"consistent\":false,\"drift\":[\"vda: overlay missing\"]}"))
        .isEqualTo(new JsonObject().put("consistent", false).put("drift", new JsonArray().add("vda: overlay missing")));
    assertThat(Renderings.result("[1,2]")).isEqualTo(new JsonArray().add(1).add(2));
    assertThat(Renderings.result("done, 3 disks")).isEqualTo("done, 3 disks");
    assertThat(Renderings.result("{\"open\":")).isEqualTo("{\"open\":");
    assertThat(Renderings.result(null)).isNull();
  }

  @Test
  void aDomainShowsItsBootInterfacesAndGuestAgentBesideEverythingItShowedBefore() {
    DomainView d = new DomainView("d1", "g", "h1", "RUNNING", "BOOTED", 2, 512,
        List.of(new DomainView.Disk("vda", 1, "qcow2", "/pool/g-vda.qcow2", "base.qcow2")), 0, 3, "admin",
        Instant.parse("2030-01-01T00:00:00Z"), "default", new BootSpec("vmlinuz", null, "console=ttyS0"),
        List.of(new InterfaceSpec(null, "52:54:00:00:00:01"), new InterfaceSpec("default", "52:54:00:00:00:02")), true,
        null);
    JsonObject j = Renderings.domain(d, 2);
    assertThat(j.getJsonObject("boot")).isEqualTo(new JsonObject().put("kernel", "vmlinuz").putNull("initrd")
        .put("cmdline", "console=ttyS0"));
    assertThat(j.getJsonArray("interfaces")).isEqualTo(new JsonArray()
        .add(new JsonObject().putNull("network").put("mac", "52:54:00:00:00:01"))
        .add(new JsonObject().put("network", "default").put("mac", "52:54:00:00:00:02")));
    assertThat(j.getBoolean("guestAgent")).isTrue();
    assertThat(j.containsKey("guestAgentConnected")).isTrue();
    assertThat(j.getValue("guestAgentConnected")).isNull();
    assertThat(j.getJsonArray("disks").getJsonObject(0)).isEqualTo(new JsonObject().put("target", "vda")
        .put("sizeGiB", 1).put("format", "qcow2").put("path", "/pool/g-vda.qcow2").put("image", "base.qcow2"));
    assertThat(j.fieldNames()).contains("domainId", "name", "host", "state", "reason", "vcpus", "memoryMiB",
        "snapshotCount", "version", "updatedAt", "pending");
    JsonObject plain = Renderings.domain(new DomainView("d2", "p", "h1", "SHUTOFF", "UNKNOWN", 1, 64, List.of(), 0, 1,
        "admin", Instant.parse("2030-01-01T00:00:00Z")), 0);
    assertThat(plain.getValue("boot")).isNull();
    assertThat(plain.getJsonArray("interfaces")).isEmpty();
    assertThat(plain.getBoolean("guestAgent")).isFalse();
  }

  @Test
  void aHostShowsItsDriverFactsAndImages() {
    Instant t = Instant.parse("2030-01-01T00:00:00Z");
    HostView h = new HostView("h1", true, 2, "libvirt", t, t, t, 8, 4096, 0, 0, 0, "CLOSED", 0, false,
        "cannot reach libvirtd", Map.of("uri", "qemu:///system", "imageDir", "/images"),
        List.of("vmlinuz", "a/b.qcow2"));
    JsonObject j = Renderings.host(h, true, 0, t.plusMillis(1500), true);
    assertThat(j.getBoolean("driverConnected")).isFalse();
    assertThat(j.getString("driverMessage")).isEqualTo("cannot reach libvirtd");
    assertThat(j.getJsonObject("driverFacts")).isEqualTo(new JsonObject().put("imageDir", "/images")
        .put("uri", "qemu:///system"));
    assertThat(j.getJsonArray("images")).isEqualTo(new JsonArray().add("vmlinuz").add("a/b.qcow2"));
    assertThat(j.getString("status")).isEqualTo("UP");
    assertThat(j.getLong("heartbeatAgeMs")).isEqualTo(1500);
  }

  @Test
  void aHostWithoutDetailsLeavesOutItsDriverFactsAndMessageButNotItsStateOrImages() {
    Instant t = Instant.parse("2030-01-01T00:00:00Z");
    HostView h = new HostView("h1", true, 2, "libvirt", t, t, t, 8, 4096, 1024, 1, 3, "OPEN", 0, false,
        "cannot reach qemu+ssh://root@10.0.0.5/system", Map.of("uri", "qemu+ssh://root@10.0.0.5/system"),
        List.of("vmlinuz"));
    JsonObject j = Renderings.host(h, false, 0, t, false);
    assertThat(j.containsKey("driverFacts")).isFalse();
    assertThat(j.containsKey("driverMessage")).isFalse();
    assertThat(j.encode()).doesNotContain("10.0.0.5");
    assertThat(j.getString("status")).isEqualTo("DOWN");
    assertThat(j.getString("driver")).isEqualTo("libvirt");
    assertThat(j.getBoolean("driverConnected")).isFalse();
    assertThat(j.getString("driverBreaker")).isEqualTo("OPEN");
    assertThat(j.getInteger("queuedCommands")).isEqualTo(3);
    assertThat(j.getLong("memoryMiBUsed")).isEqualTo(1024);
    assertThat(j.getJsonObject("capacity").getLong("memoryMiB")).isEqualTo(4096);
    assertThat(j.getJsonArray("images")).containsExactly("vmlinuz");
  }
}
