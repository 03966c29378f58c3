package io.virtflow.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.json.JsonObject;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.platform.testing.RealLibvirt;

/**
 * Live snapshots proven with the guest's own writes: a real guest under the libvirt driver writes record k
 * (64 KiB of the byte k%250+1 at offset k*64 KiB of its disk, synced, then "wrote k" on its console) every
 * 150 ms while snapshots are created and deleted through HTTP. The host reads the files with
 * {@code qemu-io -r -U} and {@code qemu-img convert -U}. After each operation: every snapshot holds exactly
 * the bytes it held (the whole disk's view, hashed), a frozen file no longer changes while the live disk
 * does, the guest still runs and writes, {@code qemu-img check} passes on every file, reconcile reports no
 * drift, and the pool holds exactly the catalog's files.
 */
class LiveSnapshotProofTest {
  private static final Pattern WROTE = Pattern.compile("virtflow-guest: wrote (\\d+)");
  private static final int REGIONS = 1024;

  @TempDir
  static Path dataDir;
  @TempDir
  static Path scratch;
  static BusConfig bus;
  static DevStack stack;
  static Http http;

  @BeforeAll
  static void up() {
    Path images = RealLibvirt.images();
    Qemu.require();
    bus = KafkaFixture.freshBus();
    stack = DevStack.start(new DevStack.Options(1, 0, 0, dataDir, bus.bootstrap(), bus.topics().namespace(), 0, Map.of(
        "VIRTFLOW_DRIVER", "libvirt",
        "VIRTFLOW_LIBVIRT_URI", RealLibvirt.URI,
        "VIRTFLOW_IMAGE_DIR", images.toString(),
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

  @Test
  void theGuestsOwnWritesSurviveLiveCreatesAndLiveDeletes() throws Exception {
    String define = "{\"name\":\"writer\",\"vcpus\":1,\"memoryMiB\":128,\"boot\":{\"kernel\":\"vmlinuz\","
        + "\"initrd\":\"initrd.img\",\"cmdline\":\"" + RealLibvirt.CMDLINE + " virtflow.write_every_ms=150\"},"
        + "\"disks\":[{\"target\":\"vda\",\"image\":\"base.qcow2\"}]}";
    assertThat(http.run("/v1/domains", define).getString("status")).isEqualTo("SUCCEEDED");
    String id = http.get("/v1/domains/writer").json().getString("domainId");
    assertThat(http.run("/v1/domains/writer/start", "{}").getString("status")).isEqualTo("SUCCEEDED");
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> written() >= 5);

    // s1, live: the frozen file holds a prefix of the guest's records, at least all it had reported.
    int before1 = written();
    JsonObject s1 = http.run("/v1/domains/writer/snapshots", "{\"name\":\"s1\",\"kind\":\"EXTERNAL\"}");
    assertThat(s1.getString("status")).as(s1.encode()).isEqualTo("SUCCEEDED");
    timing("create s1 (live external)", s1);
    int after1 = written();
    String frozen1 = snapshotFile("s1");
    assertPrefix(frozen1, before1, after1 + 1);
    String view1 = view(frozen1);
    String fileHash1 = hash(Path.of(frozen1));

    await().atMost(Duration.ofSeconds(30)).until(() -> written() >= after1 + 10);
    int before2 = written();
    JsonObject s2 = http.run("/v1/domains/writer/snapshots", "{\"name\":\"s2\",\"kind\":\"EXTERNAL\"}");
    assertThat(s2.getString("status")).as(s2.encode()).isEqualTo("SUCCEEDED");
    timing("create s2 (live external)", s2);
    int after2 = written();
    String frozen2 = snapshotFile("s2");
    assertPrefix(frozen2, before2, after2 + 1);
    String view2 = view(frozen2);
    assertThat(view(frozen1)).as("s1's bytes after s2 was taken").isEqualTo(view1);
    assertThat(hash(Path.of(frozen1))).as("s1's frozen file does not change").isEqualTo(fileHash1);
    assertConsistent(id, "after two live creates");

    // s1 lies below the active file's backing: its data would have to move into s2's file. Refused; nothing moved.
    JsonObject inner = http.run("/v1/domains/writer/snapshots/s1", null);
    assertThat(inner.getString("status")).as(inner.encode()).isEqualTo("REJECTED");
    assertThat(inner.getString("code")).isEqualTo("OPERATION_UNSUPPORTED");
    assertThat(view(frozen1)).isEqualTo(view1);
    assertThat(view(frozen2)).isEqualTo(view2);
    assertThat(http.get("/v1/domains/writer/snapshots").json().getJsonArray("snapshots")).hasSize(2);

    // s2, the current leaf, deleted live: a block pull of the active file down to s1's file.
    await().atMost(Duration.ofSeconds(30)).until(() -> written() >= after2 + 10);
    String active = activeFile();
    JsonObject merged = http.run("/v1/domains/writer/snapshots/s2", null);
    assertThat(merged.getString("status")).as(merged.encode()).isEqualTo("SUCCEEDED");
    timing("delete s2 (block pull down to s1's file)", merged);
    int afterMerge = written();
    assertThat(activeFile()).isEqualTo(active);
    assertThat(Path.of(frozen2)).as("the pulled file is gone from the pool").doesNotExist();
    assertThat(RealLibvirt.virsh("domstate", id).trim()).isEqualTo("running");
    assertThat(view(frozen1)).as("s1 keeps exactly its bytes through the merge").isEqualTo(view1);
    assertThat(hash(Path.of(frozen1))).isEqualTo(fileHash1);
    assertThat(Qemu.run("qemu-img", "info", "-U", "--output=json", active).out()).contains(frozen1);
    // The guest writes on, into the active file, and everything it reported is there.
    await().atMost(Duration.ofSeconds(30)).until(() -> written() >= afterMerge + 5);
    int now = written();
    assertPrefix(active, now, REGIONS);
    assertConsistent(id, "after the live delete of s2");

    // The last snapshot too: the whole chain is pulled into the active file, which then stands alone.
    JsonObject last = http.run("/v1/domains/writer/snapshots/s1", null);
    assertThat(last.getString("status")).as(last.encode()).isEqualTo("SUCCEEDED");
    timing("delete s1 (block pull of the whole chain)", last);
    assertThat(Path.of(frozen1)).doesNotExist();
    assertThat(RealLibvirt.virsh("domstate", id).trim()).isEqualTo("running");
    await().atMost(Duration.ofSeconds(30)).until(() -> written() >= now + 5);
    assertPrefix(active, written(), REGIONS);
    assertConsistent(id, "after the live delete of s1");

    assertThat(http.run("/v1/domains/writer/destroy", "{}").getString("status")).isEqualTo("SUCCEEDED");
    assertThat(http.run("/v1/domains/writer?snapshotsMetadata=true&removeStorage=true", null).getString("status"))
        .isEqualTo("SUCCEEDED");
  }

  // ---- what the host sees ----------------------------------------------------------------------

  /** Prints how long the command took, accepted to terminal (for the closing note's side-by-side with virsh). */
  private static void timing(String what, JsonObject status) {
    var history = status.getJsonArray("history");
    java.time.Instant from = java.time.Instant.parse(history.getJsonObject(0).getString("at"));
    java.time.Instant to = java.time.Instant.parse(history.getJsonObject(history.size() - 1).getString("at"));
    System.out.println("live-snapshot timing: " + what + ": " + Duration.between(from, to).toMillis() + " ms");
  }

  /** The last record the guest reported synced, or -1. */
  private static int written() {
    Http.Answer console = http.get("/v1/domains/writer/console?tail=40");
    Matcher m = WROTE.matcher(console.body());
    int last = -1;
    while (m.find()) {
      last = Integer.parseInt(m.group(1));
    }
    return last;
  }

  private static String snapshotFile(String name) {
    return http.get("/v1/domains/writer/snapshots/" + name).json().getJsonArray("disks").getJsonObject(0)
        .getString("file");
  }

  private static String activeFile() {
    return http.get("/v1/domains/writer").json().getJsonArray("disks").getJsonObject(0).getString("path");
  }

  /**
   * The file's view holds records 0..k exactly for some k with {@code atLeast <= k < atMost}, and zeros after
   * (a prefix: the guest writes in order and a snapshot falls between two of its writes).
   */
  private static void assertPrefix(String file, int atLeast, int atMost) {
    List<Integer> firstBytes = Qemu.read(file, REGIONS);
    int k = -1;
    while (k + 1 < REGIONS && firstBytes.get(k + 1) == (k + 1) % 250 + 1) {
      k++;
    }
    assertThat(k).as("records in %s", file).isBetween(atLeast, Math.max(atLeast, atMost));
    for (int r = k + 1; r < REGIONS; r++) {
      assertThat(firstBytes.get(r)).as("region %d of %s after the last record %d", r, file, k).isZero();
    }
    List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", "qcow2", "-r", "-U"));
    for (int r = 0; r <= k; r++) {
      cmd.add("-c");
      cmd.add("read -P " + (r % 250 + 1) + " " + (long) r * Qemu.REGION + " " + Qemu.REGION);
    }
    cmd.add(file);
    assertThat(Qemu.run(cmd.toArray(String[]::new)).out()).as("records 0..%d of %s, every byte", k, file)
        .doesNotContain("Pattern verification failed");
  }

  /** A hash of what the file shows through its chain: the whole disk as the snapshot sees it. */
  private static String view(String file) throws IOException {
    Path raw = Files.createTempFile(scratch, "view-", ".raw");
    try {
      Qemu.run("qemu-img", "convert", "-U", "-f", "qcow2", "-O", "raw", file, raw.toString());
      return hash(raw);
    } finally {
      Files.deleteIfExists(raw);
    }
  }

  private static String hash(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 20];
      for (int n = in.read(buf); n > 0; n = in.read(buf)) {
        sha.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void assertConsistent(String id, String when) throws Exception {
    JsonObject reconcile = http.run("/v1/domains/writer/snapshots/reconcile", "{}");
    assertThat(reconcile.getJsonObject("result").getBoolean("consistent")).as(when + ": " + reconcile.encode()).isTrue();
    Set<String> files = SnapshotEndToEndTest.filesOf(dataDir, id);
    var catalog = stack.snapshotService().catalogs().get(id).orElseThrow();
    assertThat(files).as(when + ": no orphan, nothing missing").isEqualTo(new TreeSet<>(catalog.layout().files().keySet()));
    for (String f : files) {
      Qemu.check(f);
    }
  }
}
