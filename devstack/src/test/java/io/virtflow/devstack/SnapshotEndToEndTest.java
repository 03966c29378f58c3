package io.virtflow.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Snapshots through the HTTP API on real qcow2 images: distinct qemu-io patterns between snapshots, then
 * reverts and deletes in several orders, reading back exactly what each snapshot and the live disks hold.
 */
class SnapshotEndToEndTest {
  static final int REGIONS = 4;
  @TempDir
  static Path dataDir;
  @TempDir
  static Path scratch;
  static DevStack stack;
  static Http http;

  @BeforeAll
  static void up() {
    Qemu.require();
    stack = Stacks.upWithHosts(1, dataDir);
    http = new Http(stack.httpUrl());
  }

  @AfterAll
  static void down() {
    if (stack != null) {
      stack.close();
    }
  }

  static String define(String name, String... targets) {
    return defineOn(http, name, targets);
  }

  static String defineOn(Http http, String name, String... targets) {
    JsonArray disks = new JsonArray();
    for (String t : targets) {
      disks.add(new JsonObject().put("target", t).put("sizeGiB", 1));
    }
    JsonObject done = http.run("/v1/domains", new JsonObject().put("name", name).put("vcpus", 1).put("memoryMiB", 256)
        .put("disks", disks).encode());
    assertThat(done.getString("status")).as(done.encode()).isEqualTo("SUCCEEDED");
    await().atMost(Duration.ofSeconds(10)).until(() -> http.get("/v1/domains/" + name).status() == 200);
    return done.getString("domainId");
  }

  static String active(String domain, String target) {
    return activeOn(http, domain, target);
  }

  static String activeOn(Http http, String domain, String target) {
    JsonArray disks = http.get("/v1/domains/" + domain).json().getJsonArray("disks");
    return disks.stream().map(JsonObject.class::cast).filter(d -> target.equals(d.getString("target"))).findFirst()
        .orElseThrow().getString("path");
  }

  static JsonObject snapshot(String domain, String body) {
    return http.run("/v1/domains/" + domain + "/snapshots", body);
  }

  static JsonObject tree(String domain) {
    return http.get("/v1/domains/" + domain + "/snapshots").json();
  }

  /** What a snapshot holds on one disk, read through its catalog record. */
  static List<Integer> snapshotData(String domain, String name, String target) {
    return dataOn(http, scratch, domain, name, target, REGIONS);
  }

  static List<Integer> dataOn(Http http, Path scratch, String domain, String name, String target, int regions) {
    JsonObject s = http.get("/v1/domains/" + domain + "/snapshots/" + name).json();
    JsonObject disk = s.getJsonArray("disks").stream().map(JsonObject.class::cast)
        .filter(d -> target.equals(d.getString("target"))).findFirst().orElseThrow();
    return disk.getString("tag") != null ? Qemu.readInternal(disk.getString("file"), disk.getString("tag"), regions, scratch)
        : Qemu.read(disk.getString("file"), regions);
  }

  static Set<String> domainFiles(String domainId) throws Exception {
    return filesOf(dataDir, domainId);
  }

  static Set<String> filesOf(Path dataDir, String domainId) throws Exception {
    Path pool = Files.list(dataDir.resolve("agents")).findFirst().orElseThrow().resolve("pool");
    try (Stream<Path> files = Files.list(pool)) {
      return files.filter(f -> f.getFileName().toString().startsWith(domainId + "-")).map(Path::toString)
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }

  @Test
  void internalAndExternalSnapshotsKeepTheirBytesThroughRevertsAndDeletes() throws Exception {
    String id = define("snapvm", "vda", "vdb");
    Qemu.write(active("snapvm", "vda"), 0, 1);
    Qemu.write(active("snapvm", "vdb"), 0, 2);
    assertThat(snapshot("snapvm", "{\"name\":\"i1\",\"kind\":\"INTERNAL\"}").getString("status")).isEqualTo("SUCCEEDED");
    Qemu.write(active("snapvm", "vda"), 1, 3);
    String base = active("snapvm", "vda");
    assertThat(snapshot("snapvm", "{\"name\":\"e1\",\"kind\":\"EXTERNAL\"}").getString("status")).isEqualTo("SUCCEEDED");
    assertThat(active("snapvm", "vda")).isNotEqualTo(base);
    Qemu.write(active("snapvm", "vda"), 2, 4);
    // The topology that lost data in libvirt: a child's internal snapshot inside an external snapshot's overlay.
    assertThat(snapshot("snapvm", "{\"name\":\"i2\",\"kind\":\"INTERNAL\"}").getString("status")).isEqualTo("SUCCEEDED");
    Qemu.write(active("snapvm", "vda"), 0, 5);

    Map<String, List<Integer>> want = new HashMap<>();
    want.put("i1/vda", List.of(1, 0, 0, 0));
    want.put("i1/vdb", List.of(2, 0, 0, 0));
    want.put("e1/vda", List.of(1, 3, 0, 0));
    want.put("e1/vdb", List.of(2, 0, 0, 0));
    want.put("i2/vda", List.of(1, 3, 4, 0));
    want.put("i2/vdb", List.of(2, 0, 0, 0));
    assertEverySnapshot("snapvm", want);
    assertThat(Qemu.read(active("snapvm", "vda"), REGIONS)).containsExactly(5, 3, 4, 0);
    JsonObject t = tree("snapvm");
    assertThat(t.getString("current")).isEqualTo("i2");
    assertThat(http.get("/v1/domains/snapvm").json().getInteger("snapshotCount")).isEqualTo(3);

    // Delete e1: its overlay holds i2, so its frozen file must stay exactly as it is.
    assertThat(http.run("/v1/domains/snapvm/snapshots/e1", null).getString("status")).isEqualTo("SUCCEEDED");
    want.remove("e1/vda");
    want.remove("e1/vdb");
    assertEverySnapshot("snapvm", want);
    assertThat(Qemu.read(active("snapvm", "vda"), REGIONS)).containsExactly(5, 3, 4, 0);

    // Revert to i1, whose file is now under other files: the revert works on a copy.
    assertThat(http.run("/v1/domains/snapvm/snapshots/i1/revert", "{\"start\":\"KEEP\"}").getString("status"))
        .isEqualTo("SUCCEEDED");
    assertThat(Qemu.read(active("snapvm", "vda"), REGIONS)).containsExactly(1, 0, 0, 0);
    assertThat(Qemu.read(active("snapvm", "vdb"), REGIONS)).containsExactly(2, 0, 0, 0);
    assertEverySnapshot("snapvm", want);
    assertThat(tree("snapvm").getString("current")).isEqualTo("i1");

    // Revert to i2 and start the domain from it.
    assertThat(http.run("/v1/domains/snapvm/snapshots/i2/revert", "{\"start\":\"RUNNING\"}").getString("status"))
        .isEqualTo("SUCCEEDED");
    await().atMost(Duration.ofSeconds(10)).until(() -> "RUNNING".equals(http.get("/v1/domains/snapvm").json().getString("state")));
    assertThat(Qemu.read(active("snapvm", "vda"), REGIONS)).containsExactly(1, 3, 4, 0);

    // Reverting a running domain needs force.
    JsonObject refused = http.run("/v1/domains/snapvm/snapshots/i1/revert", "{\"start\":\"KEEP\"}");
    assertThat(refused.getString("status")).isEqualTo("REJECTED");
    assertThat(refused.getString("code")).isEqualTo("SNAPSHOT_UNSAFE");
    assertThat(http.run("/v1/domains/snapvm/destroy", "{}").getString("status")).isEqualTo("SUCCEEDED");

    // Delete everything that is left, children first; then nothing but the live chain remains.
    assertThat(http.run("/v1/domains/snapvm/snapshots/i1?children=true", null).getString("status")).isEqualTo("SUCCEEDED");
    assertThat(tree("snapvm").getJsonArray("snapshots")).isEmpty();
    assertThat(Qemu.read(active("snapvm", "vda"), REGIONS)).containsExactly(1, 3, 4, 0);
    JsonObject reconcile = http.run("/v1/domains/snapvm/snapshots/reconcile", "{}");
    assertThat(reconcile.getString("status")).isEqualTo("SUCCEEDED");
    assertThat(reconcile.getJsonObject("result").getBoolean("consistent")).as(reconcile.encode()).isTrue();
    for (String f : domainFiles(id)) {
      Qemu.check(f);
    }
  }

  @Test
  void refusalsChangeNothing() {
    define("refusevm", "vda");
    assertThat(snapshot("refusevm", "{\"name\":\"s1\",\"kind\":\"INTERNAL\"}").getString("status")).isEqualTo("SUCCEEDED");
    JsonObject memory = snapshot("refusevm", "{\"name\":\"s2\",\"kind\":\"INTERNAL\",\"memory\":true}");
    assertThat(memory.getString("status")).isEqualTo("REJECTED");
    assertThat(memory.getString("code")).isEqualTo("OPERATION_UNSUPPORTED");
    JsonObject quiesce = snapshot("refusevm", "{\"name\":\"s3\",\"kind\":\"EXTERNAL\",\"quiesce\":true}");
    assertThat(quiesce.getString("status")).isEqualTo("REJECTED");
    assertThat(quiesce.getString("code")).isEqualTo("OPERATION_INVALID");
    assertThat(tree("refusevm").getJsonArray("snapshots")).hasSize(1);
    Http.Answer undefine = http.delete("/v1/domains/refusevm");
    assertThat(undefine.status()).isEqualTo(409);
    assertThat(undefine.json().getString("code")).isEqualTo("OPERATION_INVALID");
  }

  @Test
  void undefineWithSnapshotsMetadataDropsTheCatalogAndRemoveStorageTheFiles() throws Exception {
    String id = define("dropvm", "vda");
    assertThat(snapshot("dropvm", "{\"name\":\"x\",\"kind\":\"EXTERNAL\"}").getString("status")).isEqualTo("SUCCEEDED");
    assertThat(domainFiles(id)).hasSize(2);
    assertThat(http.run("/v1/domains/dropvm?snapshotsMetadata=true&removeStorage=true", null).getString("status"))
        .isEqualTo("SUCCEEDED");
    await().atMost(Duration.ofSeconds(10)).until(() -> http.get("/v1/domains/dropvm").status() == 404);
    assertThat(domainFiles(id)).isEmpty();
    await().atMost(Duration.ofSeconds(10)).until(() -> stack.snapshotService().catalogs().get(id).isEmpty());
  }

  static void assertEverySnapshot(String domain, Map<String, List<Integer>> want) {
    for (var e : want.entrySet()) {
      String[] key = e.getKey().split("/");
      assertThat(snapshotData(domain, key[0], key[1])).as("snapshot %s disk %s", key[0], key[1])
          .containsExactlyElementsOf(e.getValue());
    }
  }
}
