package io.virtflow.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.constraints.IntRange;

/**
 * Random sequences of snapshot create (internal and external), revert and delete (every flag) with guest
 * writes between them, over a domain with one to three disks, through the whole stack on real qcow2
 * images. After every step: every surviving snapshot and the live disks hold exactly their bytes,
 * {@code qemu-img check} passes on every file, and the domain's files are exactly the catalog's, none of
 * them unneeded.
 */
class SnapshotPropertiesTest {
  static final int REGIONS = 3;
  static Path dataDir;
  static Path scratch;
  static DevStack stack;
  static Http http;
  static int domains;

  @BeforeContainer
  static void up() throws Exception {
    Qemu.require();
    dataDir = Files.createTempDirectory("virtflow-prop");
    scratch = Files.createTempDirectory("virtflow-prop-scratch");
    stack = Stacks.upWithHosts(1, dataDir);
    http = new Http(stack.httpUrl());
  }

  @AfterContainer
  static void down() {
    if (stack != null) {
      stack.close();
    }
  }

  sealed interface Action permits Write, Create, Revert, Delete {
  }

  record Write(int disk, int region) implements Action {
  }

  record Create(int name, boolean internal) implements Action {
  }

  record Revert(int name, String start) implements Action {
  }

  record Delete(int name, int flags) implements Action {
  }

  @Provide
  Arbitrary<List<Action>> actions() {
    Arbitrary<Action> write = Combinators.combine(Arbitraries.integers().between(0, 2),
        Arbitraries.integers().between(0, REGIONS - 1)).as(Write::new);
    Arbitrary<Action> create = Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.of(true, false))
        .as(Create::new);
    Arbitrary<Action> revert = Combinators.combine(Arbitraries.integers().between(0, 3),
        Arbitraries.of("KEEP", "RUNNING", "PAUSED")).as(Revert::new);
    Arbitrary<Action> delete = Combinators.combine(Arbitraries.integers().between(0, 3),
        Arbitraries.integers().between(0, 4)).as(Delete::new);
    return Arbitraries.frequencyOf(Tuple.of(3, write), Tuple.of(4, create), Tuple.of(2, revert), Tuple.of(3, delete))
        .list().ofMinSize(4).ofMaxSize(12);
  }

  @Property(tries = 20, shrinking = net.jqwik.api.ShrinkingMode.OFF)
  void snapshotsKeepTheirBytesOnRealImages(@ForAll("actions") List<Action> actions,
      @ForAll @IntRange(min = 1, max = 3) int diskCount) throws Exception {
    List<String> targets = List.of("vda", "vdb", "vdc").subList(0, diskCount);
    String name = "prop" + (domains++);
    JsonArray disks = new JsonArray();
    targets.forEach(t -> disks.add(new JsonObject().put("target", t).put("sizeGiB", 1)));
    JsonObject defined = http.run("/v1/domains", new JsonObject().put("name", name).put("vcpus", 1)
        .put("memoryMiB", 128).put("disks", disks).encode());
    assertThat(defined.getString("status")).isEqualTo("SUCCEEDED");
    String id = defined.getString("domainId");
    await().atMost(Duration.ofSeconds(10)).until(() -> http.get("/v1/domains/" + name).status() == 200);

    Map<String, Map<String, List<Integer>>> expected = new HashMap<>();
    int value = 1;
    for (Action a : actions) {
      if (a instanceof Write w) {
        if (w.disk() < targets.size()) {
          Qemu.write(active(name, targets.get(w.disk())), w.region(), value++);
        }
      } else if (a instanceof Create c) {
        Map<String, List<Integer>> live = live(name, targets);
        Http.Answer accepted = http.post("/v1/domains/" + name + "/snapshots",
            new JsonObject().put("name", "s" + c.name()).put("kind", c.internal() ? "INTERNAL" : "EXTERNAL").encode());
        if (accepted.status() == 409) {
          assertThat(accepted.json().getString("code")).isEqualTo("OPERATION_INVALID"); // the name exists
          check(a, name, id, targets, expected);
          continue;
        }
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
        JsonObject s = http.waitFor(accepted.json().getString("commandId"));
        if ("SUCCEEDED".equals(s.getString("status"))) {
          expected.put("s" + c.name(), live);
        } else {
          assertThat(s.getString("code")).as(a + " " + s.encode()).isIn("OPERATION_INVALID", "SNAPSHOT_UNSAFE");
        }
      } else if (a instanceof Revert r) {
        if (http.get("/v1/domains/" + name + "/snapshots/s" + r.name()).status() == 404) {
          continue;
        }
        JsonObject s = http.run("/v1/domains/" + name + "/snapshots/s" + r.name() + "/revert",
            new JsonObject().put("start", r.start()).put("force", true).encode());
        assertThat(s.getString("status")).as(a + " " + s.encode()).isEqualTo("SUCCEEDED");
        assertThat(live(name, targets)).as("live disks after " + a).isEqualTo(expected.get("s" + r.name()));
      } else if (a instanceof Delete d) {
        if (http.get("/v1/domains/" + name + "/snapshots/s" + d.name()).status() == 404) {
          continue;
        }
        String flags = switch (d.flags()) {
          case 1 -> "?children=true";
          case 2 -> "?childrenOnly=true";
          case 3 -> "?metadataOnly=true";
          default -> "";
        };
        JsonObject s = http.run("/v1/domains/" + name + "/snapshots/s" + d.name() + flags, null);
        assertThat(s.getString("status")).as(a + " " + s.encode()).isEqualTo("SUCCEEDED");
      }
      check(a, name, id, targets, expected);
    }
  }

  static void check(Action a, String name, String id, List<String> targets,
      Map<String, Map<String, List<Integer>>> expected) throws Exception {
    JsonArray snapshots = http.get("/v1/domains/" + name + "/snapshots").json().getJsonArray("snapshots");
    Set<String> names = new TreeSet<>();
    for (Object o : snapshots) {
      JsonObject s = (JsonObject) o;
      names.add(s.getString("name"));
      for (Object d : s.getJsonArray("disks")) {
        JsonObject disk = (JsonObject) d;
        List<Integer> got = disk.getString("tag") != null
            ? Qemu.readInternal(disk.getString("file"), disk.getString("tag"), REGIONS, scratch)
            : Qemu.read(disk.getString("file"), REGIONS);
        assertThat(got).as("after %s: snapshot %s disk %s", a, s.getString("name"), disk.getString("target"))
            .isEqualTo(expected.get(s.getString("name")).get(disk.getString("target")));
      }
    }
    expected.keySet().retainAll(names);
    Set<String> files = domainFiles(id);
    for (String f : files) {
      Qemu.check(f);
    }
    var catalog = stack.snapshotService().catalogs().get(id);
    if (catalog.isPresent() && catalog.get().layout() != null) {
      assertThat(files).as("after %s: the domain's files are exactly the catalog's", a)
          .isEqualTo(new TreeSet<>(catalog.get().layout().files().keySet()));
    }
  }

  static Map<String, List<Integer>> live(String name, List<String> targets) {
    Map<String, List<Integer>> out = new HashMap<>();
    for (String t : targets) {
      out.put(t, Qemu.read(active(name, t), REGIONS));
    }
    return out;
  }

  static String active(String domain, String target) {
    return SnapshotEndToEndTest.activeOn(http, domain, target);
  }

  static Set<String> domainFiles(String domainId) throws Exception {
    Path pool = Files.list(dataDir.resolve("agents")).findFirst().orElseThrow().resolve("pool");
    try (Stream<Path> files = Files.list(pool)) {
      return files.filter(f -> f.getFileName().toString().startsWith(domainId + "-")).map(Path::toString)
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }

}
