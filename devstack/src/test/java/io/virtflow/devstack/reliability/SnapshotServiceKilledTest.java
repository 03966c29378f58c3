package io.virtflow.devstack.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtflow.devstack.DevStack;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.snapshot.workflow.Workflows;

/**
 * Scenario e: random snapshot workflows (create internal/external, revert, delete with or without
 * children) on real qcow2 images, the snapshot service killed before a random step of each (built on
 * {@code SnapshotCrashTest}'s step hook: the service stops there as a crash would, and a new one resumes);
 * after each, reconcile must say consistent and {@code qemu-img check} must pass on every file.
 */
class SnapshotServiceKilledTest {
  @TempDir
  Path dataDir;

  @Test
  void theSnapshotServiceKilledAtRandomStepsOfRandomWorkflowsLeavesEverythingConsistent() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(qemuImg(), "qemu-img is not installed");
    int workflows = Scale.pick(12, 30);
    long seed = Long.getLong("virtflow.reliability.seed", 1234L);
    Random random = new Random(seed);
    BusConfig bus = KafkaFixture.freshBus();
    try (DevStack stack = DevStack.start(new DevStack.Options(1, 0, 0, dataDir, bus.bootstrap(),
        bus.topics().namespace(), 0, Map.of()))) {
      Api api = new Api(stack);
      Scenario.awaitHostUp(api, "host-1");
      Api.Answer defined = api.post("/v1/domains", "{\"name\":\"snapcrash\",\"vcpus\":1,\"memoryMiB\":64,"
          + "\"disks\":[{\"target\":\"vda\",\"sizeGiB\":1},{\"target\":\"vdb\",\"sizeGiB\":1}]}", null);
      assertThat(defined.status()).isEqualTo(202);
      String domainId = defined.json().getString("domainId");
      assertThat(terminal(api, defined.json().getString("commandId"))).isEqualTo("SUCCEEDED");

      Map<String, Integer> outcomes = new TreeMap<>();
      int crashes = 0;
      int inconsistent = 0;
      int badImages = 0;
      int next = 0;
      for (int w = 0; w < workflows; w++) {
        List<String> names = snapshotNames(api);
        String path;
        String body;
        int pick = names.isEmpty() ? 0 : random.nextInt(4);
        if (pick == 0 || pick == 1 && names.size() < 2) {
          path = "/v1/domains/snapcrash/snapshots";
          body = "{\"name\":\"s" + (next++) + "\",\"kind\":\"" + (random.nextBoolean() ? "INTERNAL" : "EXTERNAL") + "\"}";
        } else if (pick == 1 || pick == 2) {
          path = "/v1/domains/snapcrash/snapshots/" + names.get(random.nextInt(names.size())) + "/revert";
          body = "{\"start\":\"KEEP\",\"force\":true}";
        } else {
          path = "/v1/domains/snapcrash/snapshots/" + names.get(random.nextInt(names.size()))
              + (random.nextBoolean() ? "?children=true" : "");
          body = null;
        }
        int crashAt = random.nextInt(5);
        AtomicBoolean crashed = new AtomicBoolean();
        stack.restartSnapshotService((wf, index, step) -> {
          if (index == crashAt && crashed.compareAndSet(false, true)) {
            throw new IllegalStateException("simulated crash before step " + index);
          }
        });
        Api.Answer accepted = body == null ? api.delete(path) : api.post(path, body, null);
        assertThat(accepted.status()).as(path + " " + accepted.body()).isEqualTo(202);
        String commandId = accepted.json().getString("commandId");
        // Either the crash point is reached, or the workflow has fewer steps and simply ends.
        await().atMost(Duration.ofSeconds(30)).until(() -> crashed.get() || isTerminal(api, commandId));
        if (crashed.get()) {
          crashes++;
        }
        stack.restartSnapshotService(Workflows.StepHook.NONE);
        outcomes.merge(terminal(api, commandId), 1, Integer::sum);
        JsonObject reconcile = runReconcile(api);
        if (!reconcile.getJsonObject("result", new JsonObject()).getBoolean("consistent", false)) {
          inconsistent++;
          System.out.println("not consistent after " + path + ": " + reconcile.encode());
        }
        badImages += failingImageChecks(domainId);
      }
      int finished = outcomes.values().stream().mapToInt(Integer::intValue).sum();
      JsonObject counts = new JsonObject().put("sent", workflows).put("accepted", workflows).put("terminal", finished)
          .put("workflowsStarted", workflows).put("crashesInjected", crashes)
          .put("outcomes", new JsonObject(new java.util.HashMap<>(outcomes)))
          .put("finished", outcomes.values().stream().mapToInt(Integer::intValue).sum())
          .put("reconcileInconsistent", inconsistent).put("qemuImgCheckFailures", badImages).put("seed", seed)
          .put("lost", workflows - outcomes.values().stream().mapToInt(Integer::intValue).sum());
      Results.append("e. snapshot service killed at random steps", counts);
      assertThat(counts.getInteger("lost")).isZero();
      assertThat(inconsistent).isZero();
      assertThat(badImages).isZero();
      assertThat(crashes).isPositive();
    }
  }

  private static List<String> snapshotNames(Api api) {
    JsonArray snapshots = api.get("/v1/domains/snapcrash/snapshots").json().getJsonArray("snapshots");
    List<String> names = new ArrayList<>();
    snapshots.forEach(s -> names.add(((JsonObject) s).getString("name")));
    return names;
  }

  private static JsonObject runReconcile(Api api) {
    Api.Answer a = api.post("/v1/domains/snapcrash/snapshots/reconcile", "{}", null);
    assertThat(a.status()).as(a.body()).isEqualTo(202);
    String id = a.json().getString("commandId");
    terminal(api, id);
    return api.get("/v1/commands/" + id).json();
  }

  private static boolean isTerminal(Api api, String commandId) {
    Api.Answer a = api.get("/v1/commands/" + commandId);
    String s = a.status() == 200 ? a.json().getString("status") : null;
    return s != null && !"ACCEPTED".equals(s) && !"RUNNING".equals(s);
  }

  private static String terminal(Api api, String commandId) {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> isTerminal(api, commandId));
    return api.get("/v1/commands/" + commandId).json().getString("status");
  }

  private int failingImageChecks(String domainId) throws Exception {
    Path pool = dataDir.resolve("agents").resolve("host-1").resolve("pool");
    List<Path> files;
    try (Stream<Path> s = Files.list(pool)) {
      files = s.filter(f -> f.getFileName().toString().startsWith(domainId + "-")).toList();
    }
    int failures = 0;
    for (Path f : files) {
      Process p = new ProcessBuilder("qemu-img", "check", "-f", "qcow2", "-U", f.toString()).redirectErrorStream(true)
          .start();
      String out = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        failures++;
        System.out.println("qemu-img check " + f + ": " + out);
      }
    }
    return failures;
  }

  private static boolean qemuImg() {
    try {
      Process p = new ProcessBuilder("qemu-img", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (Exception e) {
      return false;
    }
  }
}
