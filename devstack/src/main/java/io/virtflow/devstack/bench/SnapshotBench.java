package io.virtflow.devstack.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;

import io.vertx.core.json.JsonObject;

/**
 * {@code snapshot}: create, revert and delete of a snapshot of a 3-disk domain (real qcow2 files), internal
 * and external, through the API — each step from the request until the client sees its terminal status —
 * against the bare {@code qemu-img} commands doing the same disk work on three files of the same size:
 * internal {@code snapshot -c / -a / -d}; external {@code create -b} (overlay), {@code create -b} (fresh
 * overlay on the snapshot's backing image, old one removed), {@code commit} (merge) of each disk.
 */
public final class SnapshotBench {
  private static final String[] STEPS = {"internalCreate", "internalRevert", "internalDelete", "externalCreate",
      "externalRevert", "externalDelete"};

  private SnapshotBench() {
  }

  public static Result run(Bench bench) throws Exception {
    Bench.Settings s = bench.settings();
    String qemuImg = System.getenv().getOrDefault("VIRTFLOW_QEMU_IMG", "qemu-img");
    String name = "snapbench-" + Long.toString(System.nanoTime(), 36);
    JsonObject defined = Bench.join(bench.command("POST", "/v1/domains", diskJson(name, s.diskGiB())));
    if (!"SUCCEEDED".equals(defined.getString("status"))) {
      throw new IllegalStateException("define ended " + defined.encode());
    }
    String d = "/v1/domains/" + defined.getString("domainId");
    Map<String, Histogram> api = histograms();
    Map<String, Histogram> raw = histograms();
    long failed = 0;
    Path dir = Files.createTempDirectory("virtflow-bench-qemu-");
    List<Path> disks = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Path disk = dir.resolve("disk" + i + ".qcow2");
      qemu(qemuImg, "create", "-q", "-f", "qcow2", disk.toString(), s.diskGiB() + "G");
      disks.add(disk);
    }
    for (int it = 0; it < s.iterations(); it++) {
      String in = "i" + it;
      String ex = "e" + it;
      failed += api(bench, api.get("internalCreate"), "POST", d + "/snapshots", kind(in, "INTERNAL"));
      failed += api(bench, api.get("internalRevert"), "POST", d + "/snapshots/" + in + "/revert", "{\"start\":\"KEEP\"}");
      failed += api(bench, api.get("internalDelete"), "DELETE", d + "/snapshots/" + in, null);
      failed += api(bench, api.get("externalCreate"), "POST", d + "/snapshots", kind(ex, "EXTERNAL"));
      failed += api(bench, api.get("externalRevert"), "POST", d + "/snapshots/" + ex + "/revert", "{\"start\":\"KEEP\"}");
      failed += api(bench, api.get("externalDelete"), "DELETE", d + "/snapshots/" + ex, null);

      timed(raw.get("internalCreate"), () -> each(disks, p -> qemu(qemuImg, "snapshot", "-c", in, p.toString())));
      timed(raw.get("internalRevert"), () -> each(disks, p -> qemu(qemuImg, "snapshot", "-a", in, p.toString())));
      timed(raw.get("internalDelete"), () -> each(disks, p -> qemu(qemuImg, "snapshot", "-d", in, p.toString())));
      timed(raw.get("externalCreate"), () -> each(disks, p -> qemu(qemuImg, "create", "-q", "-f", "qcow2", "-b",
          p.toString(), "-F", "qcow2", overlay(p, ex, 1).toString())));
      timed(raw.get("externalRevert"), () -> each(disks, p -> {
        qemu(qemuImg, "create", "-q", "-f", "qcow2", "-b", p.toString(), "-F", "qcow2", overlay(p, ex, 2).toString());
        Files.delete(overlay(p, ex, 1));
      }));
      timed(raw.get("externalDelete"), () -> each(disks, p -> {
        qemu(qemuImg, "commit", "-q", overlay(p, ex, 2).toString());
        Files.delete(overlay(p, ex, 2));
      }));
    }
    Histogram apiCycle = new Histogram(3);
    Histogram rawCycle = new Histogram(3);
    double apiSum = 0;
    double rawSum = 0;
    Result r = new Result("snapshot");
    Map<String, Object> steps = new LinkedHashMap<>();
    for (String step : STEPS) {
      apiSum += api.get(step).getMean() * api.get(step).getTotalCount();
      rawSum += raw.get(step).getMean() * raw.get(step).getTotalCount();
      apiCycle.add(api.get(step));
      rawCycle.add(raw.get(step));
      steps.put(step, new JsonObject().put("apiP50Ms", Result.ms(api.get(step).getValueAtPercentile(50)))
          .put("rawP50Ms", Result.ms(raw.get(step).getValueAtPercentile(50))));
    }
    Bench.deleteTree(dir);
    return r.latencies(apiCycle, apiCycle.getTotalCount() / (apiSum / 1e6)).put("iterations", s.iterations())
        .put("diskGiB", s.diskGiB()).put("disks", 3).put("failed", failed)
        .put("rawP50Ms", Result.ms(rawCycle.getValueAtPercentile(50)))
        .put("apiTotalMs", apiSum / 1000).put("rawTotalMs", rawSum / 1000)
        .put("ratio", rawSum > 0 ? apiSum / rawSum : Double.NaN).put("steps", new JsonObject(steps));
  }

  private static String diskJson(String name, int gib) {
    JsonObject o = new JsonObject(Bench.domainJson(name, null, 3));
    o.getJsonArray("disks").forEach(disk -> ((JsonObject) disk).put("sizeGiB", gib));
    return o.encode();
  }

  private static String kind(String name, String kind) {
    return new JsonObject().put("name", name).put("kind", kind).encode();
  }

  private static Path overlay(Path disk, String snapshot, int generation) {
    return disk.resolveSibling(disk.getFileName() + "." + snapshot + "." + generation + ".qcow2");
  }

  private static int api(Bench bench, Histogram h, String method, String path, String body) {
    long t0 = System.nanoTime();
    JsonObject status = Bench.join(bench.command(method, path, body));
    h.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
    if (!"SUCCEEDED".equals(status.getString("status"))) {
      System.err.println("snapshot bench: " + method + " " + path + " ended " + status.encode());
      return 1;
    }
    return 0;
  }

  private interface Work {
    void run() throws Exception;
  }

  private interface DiskWork {
    void run(Path disk) throws Exception;
  }

  private static void each(List<Path> disks, DiskWork work) throws Exception {
    for (Path p : disks) {
      work.run(p);
    }
  }

  private static void timed(Histogram h, Work work) throws Exception {
    long t0 = System.nanoTime();
    work.run();
    h.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
  }

  private static Map<String, Histogram> histograms() {
    Map<String, Histogram> m = new LinkedHashMap<>();
    for (String step : STEPS) {
      m.put(step, new Histogram(3));
    }
    return m;
  }

  static void qemu(String qemuImg, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(qemuImg);
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
    }
  }
}
