package io.virtflow.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.json.JsonObject;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.platform.testing.RealLibvirt;

/**
 * The README's "Real VMs" walkthrough through HTTP, with the libvirt driver on a real libvirtd: a tiny
 * guest (a Debian cloud kernel and a busybox initramfs, booting in seconds under TCG) is defined from the
 * host's images, started (its console says its init runs), suspended, resumed, rebooted, shut down (it
 * powers off), destroyed and undefined with its storage; what it does on its own and what is done behind
 * virtflow's back shows in the events and the domain's state; bad definitions leave nothing behind.
 */
class DevStackLibvirtTest {
  private static final String BOOT = "\"boot\":{\"kernel\":\"vmlinuz\",\"initrd\":\"initrd.img\",\"cmdline\":\""
      + RealLibvirt.CMDLINE;

  @TempDir
  static Path dataDir;
  static BusConfig bus;
  static DevStack stack;
  static Http http;

  @BeforeAll
  static void up() {
    Path images = RealLibvirt.images();
    bus = KafkaFixture.freshBus();
    stack = DevStack.start(new DevStack.Options(1, 0, 0, dataDir, bus.bootstrap(), bus.topics().namespace(), 0, Map.of(
        "VIRTFLOW_DRIVER", "libvirt",
        "VIRTFLOW_LIBVIRT_URI", RealLibvirt.URI,
        "VIRTFLOW_IMAGE_DIR", images.toString(),
        "VIRTFLOW_SHUTDOWN_TIMEOUT_MS", "15000",
        "VIRTFLOW_RESYNC_MS", "5000")));
    http = new Http(stack.httpUrl());
    await().atMost(Duration.ofSeconds(60)).until(() -> http.get("/v1/hosts").json().getJsonArray("hosts").stream()
        .anyMatch(h -> "UP".equals(((JsonObject) h).getString("status"))
            && ((JsonObject) h).getJsonArray("images", new io.vertx.core.json.JsonArray()).contains("base.qcow2")));
  }

  @AfterAll
  static void down() {
    if (stack != null) {
      RealLibvirt.removeDomainsStartingWith("vf+" + bus.topics().namespace() + "+");
      stack.close();
    }
  }

  private static String guest(String name, String cmdlineExtra) {
    return "{\"name\":\"" + name + "\",\"vcpus\":1,\"memoryMiB\":128," + BOOT + cmdlineExtra + "\"},"
        + "\"disks\":[{\"target\":\"vda\",\"image\":\"base.qcow2\"}],\"interfaces\":[{}]}";
  }

  private static String console(String domain) {
    Http.Answer answer = http.get("/v1/domains/" + domain + "/console?tail=200");
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    return answer.body();
  }

  private static int readyCount(String domain) {
    String text = console(domain);
    int n = 0;
    for (int i = text.indexOf(RealLibvirt.READY); i >= 0; i = text.indexOf(RealLibvirt.READY, i + 1)) {
      n++;
    }
    return n;
  }

  private static JsonObject domain(String name) {
    return http.get("/v1/domains/" + name).json();
  }

  @Test
  void aRealGuestLivesItsWholeLifeOverHttp() {
    try (SseClient sse = new SseClient(stack.httpUrl() + "/v1/events?domain=vm1", null)) {
      await().atMost(Duration.ofSeconds(10)).until(sse::connected);
      JsonObject defined = http.run("/v1/domains", guest("vm1", ""));
      assertThat(defined.getString("status")).as(defined.encode()).isEqualTo("SUCCEEDED");
      JsonObject vm = domain("vm1");
      String id = vm.getString("domainId");
      assertThat(vm.getJsonArray("interfaces").getJsonObject(0).getString("mac")).startsWith("52:54:00:");
      // The libvirt domain's UUID is virtflow's id.
      assertThat(RealLibvirt.virsh("domstate", id).trim()).isEqualTo("shut off");

      assertThat(http.run("/v1/domains/vm1/start", "{}").getString("status")).isEqualTo("SUCCEEDED");
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> readyCount("vm1") >= 1);
      assertThat(RealLibvirt.virsh("domstate", id).trim()).isEqualTo("running");

      for (String op : List.of("suspend", "resume", "reboot")) {
        assertThat(http.run("/v1/domains/vm1/" + op, "{}").getString("status")).as(op).isEqualTo("SUCCEEDED");
      }
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> readyCount("vm1") >= 2);

      JsonObject shutdown = http.run("/v1/domains/vm1/shutdown", "{}");
      assertThat(shutdown.getString("status")).as(shutdown.encode()).isEqualTo("SUCCEEDED");
      assertThat(domain("vm1").getString("state")).isEqualTo("SHUTOFF");
      assertThat(console("vm1")).contains("power button pressed");
      assertThat(RealLibvirt.virsh("domstate", id, "--reason").trim()).isEqualTo("shut off (shutdown)");

      assertThat(http.run("/v1/domains/vm1/start", "{}").getString("status")).isEqualTo("SUCCEEDED");
      assertThat(http.run("/v1/domains/vm1/destroy", "{}").getString("status")).isEqualTo("SUCCEEDED");
      assertThat(http.run("/v1/domains/vm1?removeStorage=true", null).getString("status")).isEqualTo("SUCCEEDED");
      await().atMost(Duration.ofSeconds(10)).until(() -> http.get("/v1/domains/vm1").status() == 404);
      assertThat(RealLibvirt.virsh("list", "--all", "--uuid")).doesNotContain(id);

      List<String> expected = List.of("DEFINED/ADDED", "STARTED/BOOTED", "SUSPENDED/PAUSED", "RESUMED/UNPAUSED",
          "REBOOTED/NONE", "STOPPED/SHUTDOWN", "STARTED/BOOTED", "STOPPED/DESTROYED", "UNDEFINED/REMOVED");
      await().atMost(Duration.ofSeconds(10)).until(() -> sse.events().size() >= expected.size());
      assertThat(sse.events()).extracting(SseClient.Event::typeDetail).containsExactlyElementsOf(expected);
    }
  }

  @Test
  void whatTheGuestDoesAndWhatIsDoneBehindOurBackShowsWithinSeconds() {
    try (SseClient sse = new SseClient(stack.httpUrl() + "/v1/events?domain=selfoff", null)) {
      await().atMost(Duration.ofSeconds(10)).until(sse::connected);
      assertThat(http.run("/v1/domains", guest("selfoff", " virtflow.poweroff_after=2")).getString("status"))
          .isEqualTo("SUCCEEDED");
      assertThat(http.run("/v1/domains/selfoff/start", "{}").getString("status")).isEqualTo("SUCCEEDED");
      await().atMost(Duration.ofSeconds(60)).until(() -> sse.events().stream()
          .anyMatch(e -> e.typeDetail().equals("STOPPED/SHUTDOWN")));
      SseClient.Event off = sse.events().stream().filter(e -> e.typeDetail().equals("STOPPED/SHUTDOWN")).findFirst()
          .orElseThrow();
      assertThat(off.data().getString("commandId")).isNull();
      await().atMost(Duration.ofSeconds(10)).until(() -> "SHUTOFF".equals(domain("selfoff").getString("state")));
      assertThat(domain("selfoff").getString("reason")).isEqualTo("SHUTDOWN");
    }

    assertThat(http.run("/v1/domains", guest("behind", "")).getString("status")).isEqualTo("SUCCEEDED");
    assertThat(http.run("/v1/domains/behind/start", "{}").getString("status")).isEqualTo("SUCCEEDED");
    RealLibvirt.virsh("destroy", domain("behind").getString("domainId"));
    await().atMost(Duration.ofSeconds(15)).until(() -> "DESTROYED".equals(domain("behind").getString("reason")));
    assertThat(domain("behind").getString("state")).isEqualTo("SHUTOFF");
  }

  @Test
  void badDefinitionsGetAClearErrorAndLeaveNothingInLibvirt() {
    String before = RealLibvirt.virsh("list", "--all", "--name");
    Http.Answer escaping = http.post("/v1/domains", "{\"name\":\"esc\",\"vcpus\":1,\"memoryMiB\":128,"
        + "\"boot\":{\"kernel\":\"../../etc/passwd\"}}");
    assertThat(escaping.status()).isEqualTo(400);
    assertThat(escaping.json().getString("code")).isEqualTo("INVALID_ARG");
    assertThat(escaping.json().getString("field")).startsWith("boot");

    Http.Answer missing = http.post("/v1/domains", "{\"name\":\"miss\",\"vcpus\":1,\"memoryMiB\":128,"
        + "\"disks\":[{\"target\":\"vda\",\"image\":\"nonesuch.qcow2\"}]}");
    assertThat(missing.status()).as(missing.body()).isGreaterThanOrEqualTo(400);
    assertThat(missing.body()).contains("nonesuch.qcow2");

    assertThat(RealLibvirt.virsh("list", "--all", "--name")).isEqualTo(before);
    assertThat(http.get("/v1/domains/esc").status()).isEqualTo(404);
    assertThat(http.get("/v1/domains/miss").status()).isEqualTo(404);
  }

  @Test
  void snapshotsOfAStoppedAndOfARunningGuestAndWhatIsRefusedWhileItRuns() {
    assertThat(http.run("/v1/domains", guest("snap", "")).getString("status")).isEqualTo("SUCCEEDED");
    String id = domain("snap").getString("domainId");
    String base = domain("snap").getJsonArray("disks").getJsonObject(0).getString("path");

    JsonObject offline = http.run("/v1/domains/snap/snapshots", "{\"name\":\"s1\",\"kind\":\"EXTERNAL\"}");
    assertThat(offline.getString("status")).as(offline.encode()).isEqualTo("SUCCEEDED");
    String first = domain("snap").getJsonArray("disks").getJsonObject(0).getString("path");
    assertThat(first).isNotEqualTo(base);
    // libvirt's definition follows the active file: the guest boots from the new overlay.
    assertThat(RealLibvirt.virsh("domblklist", id)).contains(first);
    assertThat(http.run("/v1/domains/snap/start", "{}").getString("status")).isEqualTo("SUCCEEDED");
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> readyCount("snap") >= 1);

    // Running: an external snapshot is taken live; the guest runs on, on the new overlay.
    JsonObject live = http.run("/v1/domains/snap/snapshots", "{\"name\":\"s2\",\"kind\":\"EXTERNAL\"}");
    assertThat(live.getString("status")).as(live.encode()).isEqualTo("SUCCEEDED");
    String second = domain("snap").getJsonArray("disks").getJsonObject(0).getString("path");
    assertThat(second).isNotEqualTo(first);
    assertThat(RealLibvirt.virsh("domblklist", id)).contains(second);
    assertThat(RealLibvirt.virsh("domstate", id).trim()).isEqualTo("running");
    assertThat(readyCount("snap")).isEqualTo(1);
    JsonObject s2 = http.get("/v1/domains/snap/snapshots/s2").json();
    assertThat(s2.getJsonObject("indications").getBoolean("online")).isTrue();

    // What the libvirt driver cannot do live yet is refused at once, with the reason, touching nothing.
    Http.Answer internal = http.post("/v1/domains/snap/snapshots", "{\"name\":\"s3\",\"kind\":\"INTERNAL\"}");
    assertThat(internal.status()).isEqualTo(409);
    assertThat(internal.json().getString("code")).isEqualTo("OPERATION_UNSUPPORTED");
    assertThat(internal.json().getString("detail")).contains("QEMU 7.2");
    Http.Answer quiesced = http.post("/v1/domains/snap/snapshots",
        "{\"name\":\"s4\",\"kind\":\"EXTERNAL\",\"quiesce\":true}");
    assertThat(quiesced.status()).isEqualTo(409);
    // s1's data would have to move into the file below the active one: no live merge does that safely.
    JsonObject merge = http.run("/v1/domains/snap/snapshots/s1", null);
    assertThat(merge.getString("status")).as(merge.encode()).isEqualTo("REJECTED");
    assertThat(merge.getString("code")).isEqualTo("OPERATION_UNSUPPORTED");
    assertThat(merge.getString("message")).contains("shut the domain down first");
    assertThat(domain("snap").getJsonArray("disks").getJsonObject(0).getString("path")).isEqualTo(second);
    assertThat(http.get("/v1/domains/snap/snapshots").json().getJsonArray("snapshots")).hasSize(2);

    // A forced revert of the running guest: stopped, the disks reverted offline, started again.
    JsonObject reverted = http.run("/v1/domains/snap/snapshots/s1/revert", "{\"start\":\"RUNNING\",\"force\":true}");
    assertThat(reverted.getString("status")).as(reverted.encode()).isEqualTo("SUCCEEDED");
    assertThat(domain("snap").getString("state")).isEqualTo("RUNNING");
    String third = domain("snap").getJsonArray("disks").getJsonObject(0).getString("path");
    assertThat(third).isNotIn(first, second);
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> readyCount("snap") >= 2);
    assertThat(RealLibvirt.virsh("domblklist", id)).contains(third);

    assertThat(http.run("/v1/domains/snap/destroy", "{}").getString("status")).isEqualTo("SUCCEEDED");
    assertThat(http.run("/v1/domains/snap?snapshotsMetadata=true&removeStorage=true", null).getString("status"))
        .isEqualTo("SUCCEEDED");
    assertThat(Path.of(first)).doesNotExist();
    assertThat(Path.of(third)).doesNotExist();
  }
}
