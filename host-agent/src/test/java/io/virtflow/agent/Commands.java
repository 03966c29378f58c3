package io.virtflow.agent;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import io.virtflow.schema.BeginJob;
import io.virtflow.schema.Cancel;
import io.virtflow.schema.Command;
import io.virtflow.schema.Define;
import io.virtflow.schema.Destroy;
import io.virtflow.schema.Disk;
import io.virtflow.schema.DiskStep;
import io.virtflow.schema.DiskStepKind;
import io.virtflow.schema.EndJob;
import io.virtflow.schema.InspectDisks;
import io.virtflow.schema.Reboot;
import io.virtflow.schema.Resume;
import io.virtflow.schema.RunStep;
import io.virtflow.schema.Shutdown;
import io.virtflow.schema.Start;
import io.virtflow.schema.Suspend;
import io.virtflow.schema.Undefine;

/** Commands as the gateway would send them to one host: fresh ids, a deadline five minutes out. */
final class Commands {
  private final String hostId;

  Commands(String hostId) {
    this.hostId = hostId;
  }

  static String newDomainId() {
    return UUID.randomUUID().toString();
  }

  Command of(String domainId, Object payload) {
    Instant now = Instant.now();
    return Command.newBuilder()
        .setCommandId(UUID.randomUUID().toString())
        .setDomainId(domainId)
        .setHostId(hostId)
        .setIssuedAt(now)
        .setDeadline(now.plus(Duration.ofMinutes(5)))
        .setPrincipal("alice")
        .setIdempotencyKey("idem-" + UUID.randomUUID())
        .setRequestHash("sha256:abc")
        .setPayload(payload)
        .build();
  }

  Command define(String domainId, String name) {
    return define(domainId, name, 2, 1024);
  }

  Command define(String domainId, String name, int vcpus, long memoryMiB) {
    return of(domainId, Define.newBuilder().setName(name).setVcpus(vcpus).setMemoryMiB(memoryMiB)
        .setDisks(List.of(Disk.newBuilder().setTarget("vda").setSizeGiB(10).build())).build());
  }

  Command start(String domainId) {
    return of(domainId, new Start(false));
  }

  Command startPaused(String domainId) {
    return of(domainId, new Start(true));
  }

  Command shutdown(String domainId) {
    return of(domainId, new Shutdown());
  }

  Command reboot(String domainId) {
    return of(domainId, new Reboot());
  }

  Command destroy(String domainId) {
    return of(domainId, new Destroy());
  }

  Command suspend(String domainId) {
    return of(domainId, new Suspend());
  }

  Command resume(String domainId) {
    return of(domainId, new Resume());
  }

  Command undefine(String domainId, boolean force) {
    return of(domainId, Undefine.newBuilder().setForce(force).build());
  }

  Command cancel(String domainId, String targetCommandId) {
    return of(domainId, new Cancel(targetCommandId));
  }

  Command undefine(String domainId, boolean force, boolean removeStorage) {
    return of(domainId, Undefine.newBuilder().setForce(force).setRemoveStorage(removeStorage).build());
  }

  /** A command of the snapshot service's job {@code jobId}. */
  Command inJob(String jobId, String domainId, Object payload) {
    return Command.newBuilder(of(domainId, payload)).setJobId(jobId).build();
  }

  Command beginJob(String jobId, String domainId, String description, Instant expiresAt) {
    return inJob(jobId, domainId, new BeginJob(description, expiresAt));
  }

  Command endJob(String jobId, String domainId) {
    return inJob(jobId, domainId, new EndJob());
  }

  Command step(String jobId, String domainId, DiskStep step) {
    return inJob(jobId, domainId, new RunStep(step));
  }

  Command inspectDisks(String domainId) {
    return of(domainId, new InspectDisks());
  }

  static DiskStep diskStep(DiskStepKind kind, String target, String file, String backing, String tag) {
    return DiskStep.newBuilder().setKind(kind).setTarget(target).setFile(file).setBacking(backing).setTag(tag)
        .build();
  }

  static DiskStep powerStep(DiskStepKind kind, boolean paused) {
    return DiskStep.newBuilder().setKind(kind).setPaused(paused).build();
  }

  static Command withId(Command command, String commandId) {
    return Command.newBuilder(command).setCommandId(commandId).build();
  }

  static Command withDeadline(Command command, Instant deadline) {
    return Command.newBuilder(command).setDeadline(deadline).build();
  }

  static Command forHost(Command command, String hostId) {
    return Command.newBuilder(command).setHostId(hostId).build();
  }
}
