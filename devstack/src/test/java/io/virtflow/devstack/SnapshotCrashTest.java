package io.virtflow.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.json.JsonObject;
import io.virtflow.snapshot.workflow.Workflows;

/**
 * The snapshot service dies at every step boundary of a create, a revert and a delete (after the
 * workflow recorded "started", before step k); a new one rolls the workflow forward, and the data, the
 * files and the catalog end exactly as if nothing had happened.
 */
class SnapshotCrashTest {
  static final int REGIONS = 3;
  @TempDir
  static Path dataDir;
  @TempDir
  static Path scratch;
  static DevStack stack;
  static Http http;
  static int domains;

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

  /** A domain with i1 (internal), then e1 (external) on two disks, each after its own writes. */
  static String[] prepared() {
    String name = "crash" + (domains++);
    String id = SnapshotEndToEndTest.defineOn(http, name, "vda", "vdb");
    Qemu.write(SnapshotEndToEndTest.activeOn(http, name, "vda"), 0, 1);
    Qemu.write(SnapshotEndToEndTest.activeOn(http, name, "vdb"), 0, 2);
    assertThat(http.run("/v1/domains/" + name + "/snapshots", "{\"name\":\"i1\",\"kind\":\"INTERNAL\"}")
        .getString("status")).isEqualTo("SUCCEEDED");
    Qemu.write(SnapshotEndToEndTest.activeOn(http, name, "vda"), 1, 3);
    assertThat(http.run("/v1/domains/" + name + "/snapshots", "{\"name\":\"e1\",\"kind\":\"EXTERNAL\"}")
        .getString("status")).isEqualTo("SUCCEEDED");
    Qemu.write(SnapshotEndToEndTest.activeOn(http, name, "vda"), 2, 4);
    return new String[] {name, id};
  }

  record Op(String label, String path, String body, Consumer<String> verify) {
  }

  static List<Op> ops() {
    return List.of(
        new Op("create external e2", "/snapshots", "{\"name\":\"e2\",\"kind\":\"EXTERNAL\"}", name -> {
          assertThat(data(name, "e2", "vda")).containsExactly(1, 3, 4);
          assertThat(live(name, "vda")).containsExactly(1, 3, 4);
        }),
        new Op("revert to internal i1 (on a copy)", "/snapshots/i1/revert", "{\"start\":\"KEEP\"}", name -> {
          assertThat(live(name, "vda")).containsExactly(1, 0, 0);
          assertThat(live(name, "vdb")).containsExactly(2, 0, 0);
          assertThat(data(name, "e1", "vda")).containsExactly(1, 3, 0);
        }),
        new Op("delete i1 and its child e1 (tags, rebase, file removal)", "/snapshots/i1?children=true", null, name -> {
          assertThat(live(name, "vda")).containsExactly(1, 3, 4);
          assertThat(live(name, "vdb")).containsExactly(2, 0, 0);
          assertThat(http.get("/v1/domains/" + name + "/snapshots").json().getJsonArray("snapshots")).isEmpty();
        }));
  }

  @Test
  void everyStepBoundaryOfCreateRevertAndDeleteRecoversToTheSameResult() throws Exception {
    for (Op op : ops()) {
      int steps = countSteps(op);
      assertThat(steps).as(op.label()).isGreaterThan(1);
      for (int k = 0; k < steps; k++) {
        String[] domain = prepared();
        AtomicBoolean crashed = new AtomicBoolean();
        int crashAt = k;
        stack.restartSnapshotService((wf, index, step) -> {
          if (index == crashAt && crashed.compareAndSet(false, true)) {
            throw new IllegalStateException("simulated crash before step " + index + " (" + step + ")");
          }
        });
        Http.Answer accepted = op.body() == null ? http.delete("/v1/domains/" + domain[0] + op.path())
            : http.post("/v1/domains/" + domain[0] + op.path(), op.body());
        assertThat(accepted.status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(20)).untilTrue(crashed);
        stack.restartSnapshotService(Workflows.StepHook.NONE); // the new service resumes the workflow
        JsonObject done = http.waitFor(accepted.json().getString("commandId"));
        assertThat(done.getString("status")).as("%s, crash before step %d: %s", op.label(), k, done.encode())
            .isEqualTo("SUCCEEDED");
        op.verify().accept(domain[0]);
        assertConsistent(domain[0], domain[1], op.label() + ", crash before step " + k);
      }
    }
  }

  @Test
  void theHostAgentKilledAtEveryStepBoundaryOfCreateRevertAndDeleteNeverAppliesAStepTwice() throws Exception {
    for (Op op : ops()) {
      int steps = countSteps(op);
      for (int k = 1; k < steps; k++) {
        String[] domain = prepared();
        AtomicBoolean killed = new AtomicBoolean();
        java.util.concurrent.CompletableFuture<Void> gone = new java.util.concurrent.CompletableFuture<>();
        int killAt = k;
        // Before step k is sent, the agent dies: steps before it are done and journaled, step k waits in Kafka.
        stack.restartSnapshotService((wf, index, step) -> {
          if (index == killAt && killed.compareAndSet(false, true)) {
            stack.killAgent(0).onComplete(ar -> gone.complete(null));
          }
        });
        Http.Answer accepted = op.body() == null ? http.delete("/v1/domains/" + domain[0] + op.path())
            : http.post("/v1/domains/" + domain[0] + op.path(), op.body());
        assertThat(accepted.status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(20)).untilTrue(killed);
        gone.get(20, java.util.concurrent.TimeUnit.SECONDS);
        stack.restartAgent(0);
        JsonObject done = http.waitFor(accepted.json().getString("commandId"));
        assertThat(done.getString("status")).as("%s, agent killed before step %d: %s", op.label(), k, done.encode())
            .isEqualTo("SUCCEEDED");
        op.verify().accept(domain[0]);
        assertConsistent(domain[0], domain[1], op.label() + ", agent killed before step " + k);
      }
    }
    stack.restartSnapshotService(Workflows.StepHook.NONE);
  }

  static int countSteps(Op op) {
    String[] domain = prepared();
    AtomicInteger max = new AtomicInteger(-1);
    stack.restartSnapshotService((wf, index, step) -> max.accumulateAndGet(index, Math::max));
    JsonObject done = op.body() == null ? http.run("/v1/domains/" + domain[0] + op.path(), null)
        : http.run("/v1/domains/" + domain[0] + op.path(), op.body());
    assertThat(done.getString("status")).isEqualTo("SUCCEEDED");
    op.verify().accept(domain[0]);
    return max.get() + 1;
  }

  static void assertConsistent(String name, String id, String when) throws Exception {
    JsonObject reconcile = http.run("/v1/domains/" + name + "/snapshots/reconcile", "{}");
    assertThat(reconcile.getJsonObject("result").getBoolean("consistent")).as(when + ": " + reconcile.encode()).isTrue();
    Set<String> files = SnapshotEndToEndTest.filesOf(dataDir, id);
    var catalog = stack.snapshotService().catalogs().get(id).orElseThrow();
    assertThat(files).as(when + ": no orphan, nothing missing").isEqualTo(new TreeSet<>(catalog.layout().files().keySet()));
    for (String f : files) {
      Qemu.check(f);
    }
  }

  static List<Integer> live(String name, String target) {
    return Qemu.read(SnapshotEndToEndTest.activeOn(http, name, target), REGIONS);
  }

  static List<Integer> data(String name, String snapshot, String target) {
    return SnapshotEndToEndTest.dataOn(http, scratch, name, snapshot, target, REGIONS);
  }
}
