package io.virtflow.agent.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.virtflow.agent.Qemu;
import io.virtflow.agent.disk.QemuImg;
import io.virtflow.agent.domain.Disk;
import io.virtflow.agent.domain.DiskStep;
import io.virtflow.agent.domain.DiskStep.Kind;
import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.domain.DomainDefinition;
import io.virtflow.agent.domain.Event;
import io.virtflow.agent.domain.Fault;
import io.virtflow.agent.domain.State;

/**
 * The sim driver's qcow2 disks: real files made and changed by qemu-img, checked byte by byte with qemu-io.
 * Every step is run twice where it succeeds (a replay finds it done) and into each of its refusals.
 */
class SimHypervisorDiskTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-02T03:04:05.678Z"), ZoneOffset.UTC);

  @TempDir
  Path dataDir;

  private SimHypervisor sim;
  private QemuImg qemu;
  private Path pool;

  @BeforeEach
  void open() throws IOException {
    qemu = Qemu.qemuImg();
    sim = SimHypervisor.open(dataDir, Duration.ZERO, Map.of(), CLOCK, qemu);
    pool = sim.poolDirectory();
  }

  @AfterEach
  void close() {
    if (sim != null) {
      sim.close();
    }
  }

  private static String id() {
    return UUID.randomUUID().toString();
  }

  /** A domain with one 1 GiB disk vda, shut off; returns its id. */
  private String shutOffDomainWithOneDisk(String name) {
    String id = id();
    sim.define(id, new DomainDefinition(name, 1, 512, List.of(new Disk("vda", 1, "qcow2", null)), "alice"));
    return id;
  }

  private Path base(String id) {
    return pool.resolve(id + "-vda.qcow2");
  }

  private Path file(String id, String suffix) {
    return pool.resolve(id + "-vda-" + suffix + ".qcow2");
  }

  private StepResult step(String id, Kind kind, Path file, String tag) {
    return sim.runStep(id, new DiskStep(kind, "vda", file.toString(), null, null, tag, false));
  }

  private StepResult overlay(String id, Path file, Path backing) {
    return sim.runStep(id, new DiskStep(Kind.CREATE_OVERLAY, "vda", file.toString(), null, backing.toString(), null,
        false));
  }

  private StepResult copy(String id, Path source, Path file) {
    return sim.runStep(id, new DiskStep(Kind.COPY_FILE, "vda", file.toString(), source.toString(), null, null, false));
  }

  private StepResult rebase(String id, Path file, Path backing) {
    return sim.runStep(id, new DiskStep(Kind.REBASE, "vda", file.toString(), null,
        backing == null ? null : backing.toString(), null, false));
  }

  private StepResult setActive(String id, String target, Path file) {
    return sim.runStep(id, new DiskStep(Kind.SET_ACTIVE, target, file.toString(), null, null, null, false));
  }

  private StepResult power(String id, Kind kind) {
    return sim.runStep(id, DiskStep.of(kind));
  }

  private static void fails(ThrowingCallable call, boolean rejected, Fault fault, String... message) {
    assertThatThrownBy(call).isInstanceOfSatisfying(HypervisorException.class, e -> {
      assertThat(e.fault()).isEqualTo(fault);
      assertThat(e.refused()).as("REJECTED rather than FAILED").isEqualTo(rejected);
      assertThat(e.getMessage()).contains(message);
    });
  }

  private static void alreadyDone(StepResult r) {
    assertThat(r.message()).startsWith("already done");
    assertThat(r.changed()).isFalse();
    assertThat(r.events()).isEmpty();
  }

  // ---- define, undefine --------------------------------------------------------------------------

  @Test
  void defineMakesEachDiskARealSparseQcow2InThePool() {
    String web = id();
    Domain d = sim.define(web, new DomainDefinition("web1", 1, 512, List.of(new Disk("vda", 10, "qcow2", null),
        new Disk("vdb", 20, "qcow2", null)), "alice")).domain();

    assertThat(d.disks()).extracting(Disk::path).containsExactly(base(web).toString(),
        pool.resolve(web + "-vdb.qcow2").toString());
    var vda = qemu.info(base(web));
    assertThat(vda.format()).isEqualTo("qcow2");
    assertThat(vda.virtualSize()).isEqualTo(10L << 30);
    assertThat(vda.backing()).isNull();
    assertThat(qemu.info(pool.resolve(web + "-vdb.qcow2")).virtualSize()).isEqualTo(20L << 30);
    assertThat(base(web).toFile().length()).as("sparse").isLessThan(1 << 20);
    assertThat(d.guestAgent()).isTrue();
  }

  @Test
  void aDefineRunAgainAfterACrashKeepsTheImageItMadeButNeverOverwritesAnother() {
    String web = id();
    qemu.create(base(web), 1);
    Qemu.write(base(web), 0x11, "0", "64k");
    sim.define(web, new DomainDefinition("web1", 1, 512, List.of(new Disk("vda", 1, "qcow2", null)), "alice"));
    assertThat(Qemu.reads(base(web), 0x11, "0", "64k")).as("kept, not made anew").isTrue();

    String db = id();
    qemu.create(base(db), 5);
    fails(() -> sim.define(db, new DomainDefinition("db1", 1, 512, List.of(new Disk("vda", 1, "qcow2", null)),
        "alice")), false, Fault.DRIVER_ERROR, "exists already and is not a standalone 1 GiB image");
    assertThat(qemu.info(base(db)).virtualSize()).isEqualTo(5L << 30);
    assertThat(sim.lookup(db)).isEmpty();
    assertThat(sim.lookupByName("db1")).as("the name is free again").isEmpty();
  }

  @Test
  void undefineWithRemoveStorageDeletesEveryFileOfTheDomainAndOnlyThose() throws IOException {
    String web = shutOffDomainWithOneDisk("web1");
    String db = shutOffDomainWithOneDisk("db1");
    overlay(web, file(web, "s1"), base(web));
    copy(web, base(web), file(web, "copy"));
    String kept = shutOffDomainWithOneDisk("kept");

    Calls.undefine(sim, kept, false, false);
    assertThat(base(kept)).as("without removeStorage the files stay").exists();

    Calls.undefine(sim, web, false, true);
    try (var files = Files.list(pool)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(db + "-vda.qcow2",
          kept + "-vda.qcow2");
    }
  }

  @Test
  void theMemoryBackendHasNoFilesAndRefusesDiskSteps() throws IOException {
    try (SimHypervisor memory = SimHypervisor.open(dataDir.resolve("other"), Duration.ZERO, Map.of(), CLOCK)) {
      String web = id();
      Domain d = memory.define(web, new DomainDefinition("web1", 1, 512, List.of(new Disk("vda", 1, "qcow2", null)),
          "alice")).domain();
      assertThat(Path.of(d.disks().get(0).path())).doesNotExist();
      assertThat(memory.diskBackend()).isEqualTo("memory");
      fails(() -> memory.runStep(web, new DiskStep(Kind.CREATE_INTERNAL, "vda", d.disks().get(0).path(), null, null,
          "s1", false)), false, Fault.OPERATION_UNSUPPORTED, "disk backend 'memory' has no image files");
      fails(() -> memory.inspectDisks(web), false, Fault.OPERATION_UNSUPPORTED, "disk backend 'memory'");
      Calls.start(memory, web, false);
      assertThat(memory.runStep(web, DiskStep.of(Kind.FREEZE)).domain().frozen()).as("no files needed").isTrue();
    }
  }

  // ---- internal snapshots ------------------------------------------------------------------------

  @Test
  void createInternalMakesOneSnapshotAndAReplayFindsItDone() {
    String web = shutOffDomainWithOneDisk("web1");
    StepResult created = step(web, Kind.CREATE_INTERNAL, base(web), "s1");
    assertThat(created.message()).isEqualTo("created internal snapshot 's1' in " + base(web));
    assertThat(created.changed()).isFalse();

    alreadyDone(step(web, Kind.CREATE_INTERNAL, base(web), "s1"));
    assertThat(qemu.tags(base(web))).as("never a second snapshot with the name").containsExactly("s1");

    fails(() -> step(web, Kind.CREATE_INTERNAL, file(web, "missing"), "s1"), false, Fault.INVALID_ARG,
        "image " + file(web, "missing") + " does not exist");
  }

  @Test
  void applyInternalBringsBackTheSnapshotsBytes() {
    String web = shutOffDomainWithOneDisk("web1");
    Qemu.write(base(web), 0x11, "0", "64k");
    step(web, Kind.CREATE_INTERNAL, base(web), "s1");
    Qemu.write(base(web), 0x22, "0", "64k");

    assertThat(step(web, Kind.APPLY_INTERNAL, base(web), "s1").message())
        .isEqualTo("applied internal snapshot 's1' to " + base(web));
    assertThat(Qemu.reads(base(web), 0x11, "0", "64k")).isTrue();
    // Again: the same bytes (an apply is re-run only when cut off before its outcome).
    step(web, Kind.APPLY_INTERNAL, base(web), "s1");
    assertThat(Qemu.reads(base(web), 0x11, "0", "64k")).isTrue();

    fails(() -> step(web, Kind.APPLY_INTERNAL, base(web), "s2"), false, Fault.NO_SNAPSHOT,
        "image " + base(web) + " has no internal snapshot 's2'");
  }

  @Test
  void applyInternalIsRefusedOnAnImageTheRunningGuestHasOpenButNotOnACopy() {
    String web = shutOffDomainWithOneDisk("web1");
    Qemu.write(base(web), 0x11, "0", "64k");
    step(web, Kind.CREATE_INTERNAL, base(web), "s1");
    Path top = file(web, "top");
    overlay(web, top, base(web));
    setActive(web, "vda", top);
    Qemu.write(top, 0x22, "0", "64k");
    Calls.start(sim, web, false);

    fails(() -> step(web, Kind.APPLY_INTERNAL, base(web), "s1"), false, Fault.OPERATION_INVALID,
        "cannot apply internal snapshot 's1' to " + base(web) + ": domain 'web1' is running and has the image open");
    assertThat(Qemu.reads(top, 0x22, "0", "64k")).isTrue();

    // The revert plan: a copy of the frozen base, the snapshot applied there, while the guest runs on.
    Path copy = file(web, "copy");
    copy(web, base(web), copy);
    step(web, Kind.APPLY_INTERNAL, copy, "s1");
    assertThat(Qemu.reads(copy, 0x11, "0", "64k")).isTrue();
  }

  @Test
  void copyAndApplyOnTheCopyLeaveTheOriginalUntouched() throws IOException {
    String web = shutOffDomainWithOneDisk("web1");
    Qemu.write(base(web), 0x11, "0", "64k");
    step(web, Kind.CREATE_INTERNAL, base(web), "s1");
    Qemu.write(base(web), 0x22, "0", "64k");
    byte[] original = Files.readAllBytes(base(web));

    Path copy = file(web, "copy");
    assertThat(copy(web, base(web), copy).message()).isEqualTo("copied " + base(web) + " to " + copy);
    alreadyDone(copy(web, base(web), copy));
    step(web, Kind.APPLY_INTERNAL, copy, "s1");

    assertThat(Qemu.reads(copy, 0x11, "0", "64k")).isTrue();
    assertThat(Qemu.reads(base(web), 0x22, "0", "64k")).isTrue();
    assertThat(Files.readAllBytes(base(web))).isEqualTo(original);
    assertThat(pool.resolve(copy.getFileName() + ".part")).doesNotExist();

    fails(() -> copy(web, file(web, "nothing"), file(web, "copy2")), false, Fault.INVALID_ARG, "does not exist");
    Calls.start(sim, web, false);
    fails(() -> copy(web, base(web), file(web, "torn")), false, Fault.OPERATION_INVALID,
        "domain 'web1' is running and writes to it");
  }

  @Test
  void deleteInternalRemovesTheSnapshotAndIsDoneWhenItIsGone() {
    String web = shutOffDomainWithOneDisk("web1");
    step(web, Kind.CREATE_INTERNAL, base(web), "s1");
    step(web, Kind.CREATE_INTERNAL, base(web), "s2");

    assertThat(step(web, Kind.DELETE_INTERNAL, base(web), "s1").message())
        .isEqualTo("deleted internal snapshot 's1' from " + base(web));
    assertThat(qemu.tags(base(web))).containsExactly("s2");
    alreadyDone(step(web, Kind.DELETE_INTERNAL, base(web), "s1"));
    alreadyDone(step(web, Kind.DELETE_INTERNAL, file(web, "deleted-since"), "s1"));
  }

  // ---- external snapshots ------------------------------------------------------------------------

  @Test
  void createOverlayIsDoneWithTheSameBackingAndRefusedWithAnother() {
    String web = shutOffDomainWithOneDisk("web1");
    Path s1 = file(web, "s1");
    assertThat(overlay(web, s1, base(web)).message()).isEqualTo("created overlay " + s1 + " on " + base(web));
    assertThat(qemu.info(s1).backing()).isEqualTo(base(web));
    alreadyDone(overlay(web, s1, base(web)));

    Path s2 = file(web, "s2");
    overlay(web, s2, s1);
    fails(() -> overlay(web, s2, base(web)), false, Fault.SNAPSHOT_UNSAFE,
        "the file exists already with backing file " + s1);
    fails(() -> overlay(web, file(web, "s3"), file(web, "nope")), false, Fault.INVALID_ARG,
        "backing file " + file(web, "nope") + " does not exist");
  }

  @Test
  void setActiveMovesTheDiskToAnotherImageAndBumpsTheVersion() {
    String web = shutOffDomainWithOneDisk("web1");
    Path s1 = file(web, "s1");
    overlay(web, s1, base(web));

    StepResult moved = setActive(web, "vda", s1);
    assertThat(moved.changed()).isTrue();
    assertThat(moved.domain().version()).isEqualTo(2);
    assertThat(moved.domain().disks().get(0).path()).isEqualTo(s1.toString());
    assertThat(sim.lookup(web).orElseThrow().disks().get(0).path()).isEqualTo(s1.toString());
    alreadyDone(setActive(web, "vda", s1));

    fails(() -> setActive(web, "vdz", s1), false, Fault.INVALID_ARG, "domain 'web1' has no disk vdz");
    fails(() -> setActive(web, "vda", file(web, "nope")), false, Fault.INVALID_ARG, "does not exist");
  }

  @Test
  void aRebaseKeepsWhatTheOverlayShowsAndIsDoneOnceOnItsNewBacking() {
    String web = shutOffDomainWithOneDisk("web1");
    Qemu.write(base(web), 0x11, "0", "64k");
    Path mid = file(web, "mid");
    overlay(web, mid, base(web));
    Qemu.write(mid, 0x22, "64k", "64k");
    Path top = file(web, "top");
    overlay(web, top, mid);
    Qemu.write(top, 0x33, "128k", "64k");

    // Delete the external snapshot in the middle: the top reads through the base from now on.
    assertThat(rebase(web, top, base(web)).message()).isEqualTo("rebased " + top + " onto " + base(web));
    assertThat(qemu.info(top).backing()).isEqualTo(base(web));
    assertThat(Qemu.reads(top, 0x11, "0", "64k")).isTrue();
    assertThat(Qemu.reads(top, 0x22, "64k", "64k")).isTrue();
    assertThat(Qemu.reads(top, 0x33, "128k", "64k")).isTrue();
    alreadyDone(rebase(web, top, base(web)));

    fails(() -> rebase(web, base(web), top), false, Fault.INVALID_ARG, "which would make a backing loop");
    fails(() -> overlay(web, top, top), true, Fault.INVALID_ARG, "cannot be its own backing file");

    rebase(web, top, null);
    assertThat(qemu.info(top).backing()).isNull();
    assertThat(Qemu.reads(top, 0x11, "0", "64k")).isTrue();
    alreadyDone(rebase(web, top, null));
  }

  @Test
  void aRebaseOfAnImageWithInternalSnapshotsIsUnsafe() {
    String web = shutOffDomainWithOneDisk("web1");
    Path top = file(web, "top");
    overlay(web, top, base(web));
    step(web, Kind.CREATE_INTERNAL, top, "s1");
    fails(() -> rebase(web, top, null), false, Fault.SNAPSHOT_UNSAFE,
        "cannot rebase " + top + ": it holds internal snapshots [s1]");
    assertThat(qemu.info(top).backing()).isEqualTo(base(web));
  }

  @Test
  void deleteFileRefusesTheActiveImageAndAnyBackingFileAndIsDoneWhenGone() {
    String web = shutOffDomainWithOneDisk("web1");
    Path s1 = file(web, "s1");
    overlay(web, s1, base(web));
    setActive(web, "vda", s1);
    Path orphan = file(web, "orphan");
    overlay(web, orphan, base(web));

    fails(() -> step(web, Kind.DELETE_FILE, s1, null), false, Fault.SNAPSHOT_UNSAFE,
        "cannot delete " + s1 + ": it is the active image of disk vda of domain 'web1'");
    fails(() -> step(web, Kind.DELETE_FILE, base(web), null), false, Fault.SNAPSHOT_UNSAFE,
        "cannot delete " + base(web) + ": it is the backing file of ");

    assertThat(step(web, Kind.DELETE_FILE, orphan, null).message()).isEqualTo("deleted " + orphan);
    assertThat(orphan).doesNotExist();
    alreadyDone(step(web, Kind.DELETE_FILE, orphan, null));
  }

  // ---- confinement -------------------------------------------------------------------------------

  @Test
  void everyFileAStepNamesMustBeTheDomainsInThePool() throws IOException {
    String web = shutOffDomainWithOneDisk("web1");
    String db = shutOffDomainWithOneDisk("db1");
    Path outside = dataDir.resolve("outside.qcow2");
    qemu.create(outside, 1);
    Path link = Files.createSymbolicLink(file(web, "link"), outside);
    List<String> hostile = List.of(pool + "/../outside.qcow2", outside.toString(), "../../etc/passwd",
        link.toString(), base(db).toString(), pool + "/" + web + "-vda.qcow2\0", "/tmp/" + web + "-vda.qcow2");
    for (String path : hostile) {
      String shown = path.replace("\0", "\\0");
      fails(() -> sim.runStep(web, new DiskStep(Kind.CREATE_INTERNAL, "vda", path, null, null, "s1", false)), true,
          Fault.INVALID_ARG, "'" + shown + "'");
      fails(() -> sim.runStep(web, new DiskStep(Kind.DELETE_FILE, "vda", path, null, null, null, false)), true,
          Fault.INVALID_ARG, "'" + shown + "'");
      fails(() -> sim.runStep(web, new DiskStep(Kind.COPY_FILE, "vda", file(web, "c").toString(), path, null, null,
          false)), true, Fault.INVALID_ARG, "'" + shown + "'");
      fails(() -> sim.runStep(web, new DiskStep(Kind.CREATE_OVERLAY, "vda", file(web, "o").toString(), null, path,
          null, false)), true, Fault.INVALID_ARG, "'" + shown + "'");
      fails(() -> sim.runStep(web, new DiskStep(Kind.REBASE, "vda", base(web).toString(), null, path, null, false)),
          true, Fault.INVALID_ARG, "'" + shown + "'");
      fails(() -> sim.runStep(web, new DiskStep(Kind.SET_ACTIVE, "vda", path, null, null, null, false)), true,
          Fault.INVALID_ARG, "'" + shown + "'");
    }
    assertThat(qemu.tags(outside)).isEmpty();
    assertThat(qemu.tags(base(db))).isEmpty();
    assertThat(outside).exists();
    assertThat(base(db)).exists();
    assertThat(file(web, "c")).doesNotExist();
    assertThat(file(web, "o")).doesNotExist();
  }

  // ---- the domain: power and guest agent ---------------------------------------------------------

  @Test
  void stopAndStartForARevertAreFromSnapshotAndDoneWhenTheDomainIsThere() {
    String web = shutOffDomainWithOneDisk("web1");
    Calls.start(sim, web, false);

    StepResult stopped = power(web, Kind.STOP_DOMAIN);
    assertThat(stopped.domain().state()).isEqualTo(State.SHUTOFF);
    assertThat(stopped.events()).extracting(e -> e.type() + "/" + e.detail()).containsExactly("STOPPED/FROM_SNAPSHOT");
    assertThat(stopped.domain().version()).isEqualTo(3);
    alreadyDone(power(web, Kind.STOP_DOMAIN));

    StepResult paused = sim.runStep(web, new DiskStep(Kind.START_DOMAIN, null, null, null, null, null, true));
    assertThat(paused.events()).extracting(Event::type, Event::detail, Event::state).containsExactly(
        org.assertj.core.groups.Tuple.tuple(Event.Type.STARTED, Event.Detail.FROM_SNAPSHOT, State.RUNNING),
        org.assertj.core.groups.Tuple.tuple(Event.Type.SUSPENDED, Event.Detail.FROM_SNAPSHOT, State.PAUSED));
    alreadyDone(sim.runStep(web, new DiskStep(Kind.START_DOMAIN, null, null, null, null, null, true)));
    fails(() -> power(web, Kind.START_DOMAIN), false, Fault.OPERATION_INVALID,
        "cannot start domain 'web1' from a snapshot: it is paused");
  }

  @Test
  void freezeAndThawNeedARunningGuestWithAnAgent() {
    String web = shutOffDomainWithOneDisk("web1");
    fails(() -> power(web, Kind.FREEZE), false, Fault.OPERATION_INVALID, "it is shut off");
    Calls.start(sim, web, false);

    StepResult frozen = power(web, Kind.FREEZE);
    assertThat(frozen.domain().frozen()).isTrue();
    assertThat(frozen.changed()).isTrue();
    alreadyDone(power(web, Kind.FREEZE));
    assertThat(power(web, Kind.THAW).domain().frozen()).isFalse();
    alreadyDone(power(web, Kind.THAW));

    String bare = id();
    sim.define(bare, new DomainDefinition("bare", 1, 512, List.of(), false, "alice"));
    Calls.start(sim, bare, false);
    fails(() -> power(bare, Kind.FREEZE), false, Fault.OPERATION_UNSUPPORTED, "it has no guest agent");
  }

  @Test
  void aFrozenGuestStaysFrozenAcrossARestartOfTheDriver() throws IOException {
    String web = shutOffDomainWithOneDisk("web1");
    Calls.start(sim, web, false);
    power(web, Kind.FREEZE);
    sim.close();
    sim = SimHypervisor.open(dataDir, Duration.ZERO, Map.of(), CLOCK, Qemu.qemuImg());
    assertThat(sim.lookup(web).orElseThrow().frozen()).isTrue();
    assertThat(sim.lookup(web).orElseThrow().guestAgent()).isTrue();
  }

  @Test
  void aStepOnAnUnknownDomainOrAnInvalidStepIsRejected() {
    String web = shutOffDomainWithOneDisk("web1");
    fails(() -> power(id(), Kind.STOP_DOMAIN), true, Fault.NO_DOMAIN, "no such domain");
    fails(() -> step(web, Kind.CREATE_INTERNAL, base(web), "7"), true, Fault.INVALID_ARG, "all digits");
  }

  // ---- inspect -----------------------------------------------------------------------------------

  @Test
  void inspectDisksShowsTheChainsThePoolFilesAndTheirTags() throws IOException {
    String web = shutOffDomainWithOneDisk("web1");
    String db = shutOffDomainWithOneDisk("db1");
    step(web, Kind.CREATE_INTERNAL, base(web), "s1");
    Path s2 = file(web, "s2");
    overlay(web, s2, base(web));
    setActive(web, "vda", s2);
    Path orphan = file(web, "orphan");
    copy(web, base(web), orphan);

    io.virtflow.agent.domain.DiskReport report = sim.inspectDisks(web);

    io.virtflow.agent.domain.DiskReport.DiskChain vdaChain = report.disks().get("vda");
    assertThat(vdaChain.active()).isEqualTo(s2.toString());
    assertThat(vdaChain.error()).isNull();
    JsonNode chain = new ObjectMapper().readTree(vdaChain.chainJson());
    assertThat(chain).hasSize(2);
    assertThat(chain.get(0).path("filename").asText()).isEqualTo(s2.toString());
    assertThat(chain.get(0).path("full-backing-filename").asText()).isEqualTo(base(web).toString());
    assertThat(chain.get(1).path("snapshots").get(0).path("name").asText()).isEqualTo("s1");
    assertThat(report.poolFiles()).containsExactly(file(web, "orphan").toString(), s2.toString(), base(web).toString())
        .doesNotContain(base(db).toString());
    assertThat(report.tags().get(base(web).toString())).containsExactly("s1");
    assertThat(report.tags().get(s2.toString())).isEmpty();
    assertThat(report.tags().get(orphan.toString())).as("a copy takes the tags along").containsExactly("s1");
    assertThat(report.unreadable()).isEmpty();

    // On the wire (the InspectDisks status's result) it is the JSON reconcile reads.
    JsonNode r = new ObjectMapper().readTree(io.virtflow.agent.kafka.Messages.jsonOf(report));
    assertThat(r.path("disks").path("vda").path("chain")).hasSize(2);
    assertThat(r.path("disks").path("vda").path("active").asText()).isEqualTo(s2.toString());
    assertThat(r.path("poolFiles")).hasSize(3);
    assertThat(r.path("tags").path(base(web).toString()).get(0).asText()).isEqualTo("s1");
    assertThat(r.has("unreadable")).isFalse();
  }
}
