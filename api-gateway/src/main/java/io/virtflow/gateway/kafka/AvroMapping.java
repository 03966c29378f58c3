package io.virtflow.gateway.kafka;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.virtflow.gateway.domain.BootSpec;
import io.virtflow.gateway.domain.CommandDraft;
import io.virtflow.gateway.domain.DefineSpec;
import io.virtflow.gateway.domain.DiskSpec;
import io.virtflow.gateway.domain.DomainRef;
import io.virtflow.gateway.domain.DomainView;
import io.virtflow.gateway.domain.HostView;
import io.virtflow.gateway.domain.InterfaceSpec;
import io.virtflow.gateway.domain.Operation;
import io.virtflow.gateway.domain.Phase;
import io.virtflow.gateway.domain.Principal;
import io.virtflow.gateway.domain.Refusal;
import io.virtflow.gateway.domain.RevertStart;
import io.virtflow.gateway.domain.SnapshotCatalogView;
import io.virtflow.gateway.domain.SnapshotKind;
import io.virtflow.gateway.domain.SnapshotSpec;
import io.virtflow.gateway.domain.StatusUpdate;
import io.virtflow.gateway.domain.Submission;
import io.virtflow.schema.Boot;
import io.virtflow.schema.Cancel;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandRequest;
import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.CreateSnapshot;
import io.virtflow.schema.Define;
import io.virtflow.schema.DeleteSnapshot;
import io.virtflow.schema.Destroy;
import io.virtflow.schema.Disk;
import io.virtflow.schema.DomainState;
import io.virtflow.schema.ErrorCode;
import io.virtflow.schema.HostState;
import io.virtflow.schema.HostStatus;
import io.virtflow.schema.NetInterface;
import io.virtflow.schema.ReadConsole;
import io.virtflow.schema.Reboot;
import io.virtflow.schema.ReconcileSnapshots;
import io.virtflow.schema.Resume;
import io.virtflow.schema.RevertSnapshot;
import io.virtflow.schema.Shutdown;
import io.virtflow.schema.SnapshotCatalog;
import io.virtflow.schema.SnapshotDiskRecord;
import io.virtflow.schema.SnapshotKindCode;
import io.virtflow.schema.SnapshotRecord;
import io.virtflow.schema.SnapshotRequest;
import io.virtflow.schema.Start;
import io.virtflow.schema.Suspend;
import io.virtflow.schema.Undefine;

/** Translates between the Avro contract and the gateway's pure model, at the edge. */
public final class AvroMapping {
  /** The disk format the gateway asks for; the host agent may report another in {@code vm.state}. */
  static final String DEFAULT_DISK_FORMAT = "qcow2";

  private AvroMapping() {
  }

  public static Command toCommand(CommandDraft d) {
    return Command.newBuilder()
        .setCommandId(d.commandId())
        .setDomainId(d.domainId())
        .setHostId(d.hostId())
        .setIssuedAt(d.issuedAt())
        .setDeadline(d.deadline())
        .setPrincipal(d.principal())
        .setJobId(null)
        .setIdempotencyKey(d.idempotencyKey())
        .setRequestHash(d.requestHash())
        .setPayload(payload(d.operation()))
        .setProject(d.project())
        .build();
  }

  static Object payload(Operation op) {
    if (op instanceof Operation.Define define) {
      DefineSpec spec = define.spec();
      List<Disk> disks = new ArrayList<>();
      for (DiskSpec disk : spec.disks()) {
        disks.add(Disk.newBuilder().setTarget(disk.target()).setSizeGiB(Math.toIntExact(disk.sizeGiB()))
            .setFormat(DEFAULT_DISK_FORMAT).setPath(null).setImage(disk.image()).build());
      }
      List<NetInterface> interfaces = new ArrayList<>();
      for (InterfaceSpec nic : spec.interfaces()) {
        interfaces.add(NetInterface.newBuilder().setNetwork(nic.network()).setMac(nic.mac()).build());
      }
      return Define.newBuilder().setName(spec.name()).setVcpus(Math.toIntExact(spec.vcpus()))
          .setMemoryMiB(spec.memoryMiB()).setDisks(disks).setGuestAgent(spec.guestAgent())
          .setBoot(spec.boot() == null ? null : Boot.newBuilder().setKernel(spec.boot().kernel())
              .setInitrd(spec.boot().initrd()).setCmdline(spec.boot().cmdline()).build())
          .setInterfaces(interfaces).build();
    }
    if (op instanceof Operation.ReadConsole read) {
      return ReadConsole.newBuilder().setTailLines(read.tailLines()).build();
    }
    if (op instanceof Operation.Undefine u) {
      return Undefine.newBuilder().setForce(u.force()).setSnapshotsMetadata(u.snapshotsMetadata())
          .setRemoveStorage(u.removeStorage()).build();
    }
    if (op instanceof Operation.Start start) {
      return Start.newBuilder().setPaused(start.paused()).build();
    }
    if (op instanceof Operation.Cancel cancel) {
      return Cancel.newBuilder().setTargetCommandId(cancel.targetCommandId()).build();
    }
    if (op instanceof Operation.SnapshotOperation) {
      throw new IllegalArgumentException(op.name() + " is a snapshot request, not a host command");
    }
    Operation.Lifecycle lifecycle = (Operation.Lifecycle) op;
    return switch (lifecycle.kind()) {
      case SHUTDOWN -> new Shutdown();
      case REBOOT -> new Reboot();
      case DESTROY -> new Destroy();
      case SUSPEND -> new Suspend();
      case RESUME -> new Resume();
    };
  }

  public static CommandStatus toStatus(StatusUpdate u) {
    return CommandStatus.newBuilder()
        .setCommandId(u.commandId())
        .setDomainId(u.domainId())
        .setHostId(u.hostId())
        .setOperation(u.operation())
        .setStatus(CommandStatusCode.valueOf(u.phase().name()))
        .setCode(u.code() == null ? null : ErrorCode.valueOf(u.code()))
        .setMessage(u.message())
        .setDomainState(u.domainState() == null ? null : io.virtflow.schema.DomainStateCode.valueOf(u.domainState()))
        .setAt(u.at())
        .setPrincipal(u.principal())
        .setIdempotencyKey(u.idempotencyKey())
        .setRequestHash(u.requestHash())
        .setResult(u.result())
        .setJobId(u.jobId())
        .setProject(u.project())
        .setDeadline(u.deadline())
        .build();
  }

  public static StatusUpdate fromStatus(CommandStatus s) {
    return new StatusUpdate(s.getCommandId(), s.getDomainId(), s.getHostId(), s.getOperation(),
        Phase.valueOf(s.getStatus().name()), s.getCode() == null ? null : s.getCode().name(), s.getMessage(),
        s.getDomainState() == null ? null : s.getDomainState().name(), s.getAt(), s.getPrincipal(),
        s.getIdempotencyKey(), s.getRequestHash(), s.getResult(), s.getJobId(), s.getProject(), s.getDeadline());
  }

  /**
   * A request from {@code virtflow.commands} as a {@link Submission}, or the {@link Refusal} of what the
   * HTTP door could not express either (a disk path or format, a host on anything but a define, ...). The
   * rules of the command path itself (names, ranges, image names, {@code timeoutMs}) are left to
   * {@code CommandService}.
   */
  public static Submission toSubmission(CommandRequest r, Principal principal) {
    Object payload = r.getPayload();
    if (r.getHost() != null && !(payload instanceof Define)) {
      throw Refusal.invalid("host", "only a Define names a host");
    }
    Duration timeout = r.getTimeoutMs() == null ? null : Duration.ofMillis(r.getTimeoutMs());
    if (payload instanceof Define define) {
      if (r.getDomain() != null) {
        throw Refusal.invalid("domain", "must be null for a Define (the new domain's name is in the payload)");
      }
      return new Submission(principal, new Operation.Define(defineSpec(define, r.getHost())), null, null, null,
          timeout, r.getCommandId());
    }
    if (payload instanceof Cancel cancel) {
      String target = cancel.getTargetCommandId();
      if (!DomainRef.isUuid(target)) {
        throw Refusal.invalid("targetCommandId", "'" + target + "' is not a command id (a UUID)");
      }
      return new Submission(principal, new Operation.Cancel(DomainRef.canonicalId(target)), null, null, null, timeout,
          r.getCommandId());
    }
    if (r.getDomain() == null || r.getDomain().isEmpty()) {
      throw Refusal.invalid("domain", "is required (the target domain's id or name)");
    }
    return new Submission(principal, operation(payload), r.getDomain(), null, null, timeout, r.getCommandId());
  }

  /** The operation's name on the wire, for a status of a request refused before it was read. */
  public static String operationName(CommandRequest r) {
    return r.getPayload().getClass().getSimpleName();
  }

  private static DefineSpec defineSpec(Define d, String host) {
    List<DiskSpec> disks = new ArrayList<>();
    for (int i = 0; i < d.getDisks().size(); i++) {
      Disk disk = d.getDisks().get(i);
      if (disk.getPath() != null) {
        throw Refusal.invalid("disks[" + i + "].path", "must be null: the host agent chooses the file, inside its pool");
      }
      if (!DEFAULT_DISK_FORMAT.equals(disk.getFormat())) {
        throw Refusal.invalid("disks[" + i + "].format", "must be " + DEFAULT_DISK_FORMAT + ", got '"
            + disk.getFormat() + "'");
      }
      disks.add(new DiskSpec(disk.getTarget(), disk.getSizeGiB(), disk.getImage()));
    }
    Boot b = d.getBoot();
    List<InterfaceSpec> interfaces = new ArrayList<>();
    for (NetInterface nic : d.getInterfaces()) {
      interfaces.add(new InterfaceSpec(nic.getNetwork(), nic.getMac()));
    }
    return new DefineSpec(d.getName(), host, d.getVcpus(), d.getMemoryMiB(), disks,
        b == null ? null : new BootSpec(b.getKernel(), b.getInitrd(), b.getCmdline()), interfaces, d.getGuestAgent());
  }

  private static Operation operation(Object payload) {
    if (payload instanceof Undefine u) {
      return new Operation.Undefine(u.getForce(), u.getSnapshotsMetadata(), u.getRemoveStorage());
    }
    if (payload instanceof Start start) {
      return new Operation.Start(start.getPaused());
    }
    if (payload instanceof Shutdown) {
      return new Operation.Lifecycle(Operation.Lifecycle.Kind.SHUTDOWN);
    }
    if (payload instanceof Reboot) {
      return new Operation.Lifecycle(Operation.Lifecycle.Kind.REBOOT);
    }
    if (payload instanceof Destroy) {
      return new Operation.Lifecycle(Operation.Lifecycle.Kind.DESTROY);
    }
    if (payload instanceof Suspend) {
      return new Operation.Lifecycle(Operation.Lifecycle.Kind.SUSPEND);
    }
    if (payload instanceof Resume) {
      return new Operation.Lifecycle(Operation.Lifecycle.Kind.RESUME);
    }
    if (payload instanceof CreateSnapshot c) {
      return new Operation.CreateSnapshot(new SnapshotSpec(c.getName(), SnapshotKind.valueOf(c.getKind().name()),
          c.getDescription(), c.getQuiesce(), c.getMemory()));
    }
    if (payload instanceof RevertSnapshot rs) {
      return new Operation.RevertSnapshot(rs.getName(), RevertStart.valueOf(rs.getStart().name()), rs.getForce());
    }
    if (payload instanceof DeleteSnapshot ds) {
      return new Operation.DeleteSnapshot(ds.getName(), ds.getChildren(), ds.getChildrenOnly(), ds.getMetadataOnly());
    }
    if (payload instanceof ReconcileSnapshots) {
      return new Operation.ReconcileSnapshots();
    }
    throw Refusal.invalid("payload", "unknown operation " + payload.getClass().getSimpleName());
  }

  /** A snapshot request for {@code snapshot.requests}; the draft's host is not part of it (the service knows it). */
  public static SnapshotRequest toSnapshotRequest(CommandDraft d) {
    return SnapshotRequest.newBuilder()
        .setCommandId(d.commandId())
        .setDomainId(d.domainId())
        .setIssuedAt(d.issuedAt())
        .setDeadline(d.deadline())
        .setPrincipal(d.principal())
        .setIdempotencyKey(d.idempotencyKey())
        .setRequestHash(d.requestHash())
        .setPayload(snapshotPayload((Operation.SnapshotOperation) d.operation()))
        .build();
  }

  static Object snapshotPayload(Operation.SnapshotOperation op) {
    if (op instanceof Operation.CreateSnapshot create) {
      SnapshotSpec spec = create.spec();
      return CreateSnapshot.newBuilder().setName(spec.name()).setKind(SnapshotKindCode.valueOf(spec.kind().name()))
          .setDescription(spec.description()).setQuiesce(spec.quiesce()).setMemory(spec.memory()).build();
    }
    if (op instanceof Operation.RevertSnapshot revert) {
      return RevertSnapshot.newBuilder().setName(revert.snapshot())
          .setStart(io.virtflow.schema.RevertStart.valueOf(revert.start().name())).setForce(revert.force()).build();
    }
    if (op instanceof Operation.DeleteSnapshot delete) {
      return DeleteSnapshot.newBuilder().setName(delete.snapshot()).setChildren(delete.children())
          .setChildrenOnly(delete.childrenOnly()).setMetadataOnly(delete.metadataOnly()).build();
    }
    return ReconcileSnapshots.newBuilder().build();
  }

  /** A catalog as the snapshot service published it, in the gateway's model. */
  public static SnapshotCatalogView fromCatalog(SnapshotCatalog c) {
    List<SnapshotCatalogView.SnapshotView> snapshots = new ArrayList<>();
    for (SnapshotRecord r : c.getSnapshots()) {
      List<SnapshotCatalogView.Disk> disks = new ArrayList<>();
      for (SnapshotDiskRecord d : r.getDisks()) {
        disks.add(new SnapshotCatalogView.Disk(d.getTarget(), d.getFile(), d.getTag(), d.getOverlay()));
      }
      snapshots.add(new SnapshotCatalogView.SnapshotView(r.getName(), r.getParent(),
          SnapshotKind.valueOf(r.getKind().name()), r.getDescription(), r.getCreationState().name(), r.getOnline(),
          r.getQuiesced(), r.getPaused(), r.getCreatedAt(), disks));
    }
    return new SnapshotCatalogView(snapshots, c.getCurrent());
  }

  public static DomainView fromState(DomainState s) {
    List<DomainView.Disk> disks = new ArrayList<>();
    for (Disk d : s.getDisks()) {
      disks.add(new DomainView.Disk(d.getTarget(), d.getSizeGiB(), d.getFormat(), d.getPath(), d.getImage()));
    }
    List<InterfaceSpec> interfaces = new ArrayList<>();
    for (NetInterface nic : s.getInterfaces()) {
      interfaces.add(new InterfaceSpec(nic.getNetwork(), nic.getMac()));
    }
    Boot b = s.getBoot();
    return new DomainView(s.getDomainId(), s.getName(), s.getHostId(), s.getState().name(), s.getReason().name(),
        s.getVcpus(), s.getMemoryMiB(), disks, s.getSnapshotCount(), s.getVersion(), s.getPrincipal(),
        s.getUpdatedAt(), s.getProject(), b == null ? null : new BootSpec(b.getKernel(), b.getInitrd(), b.getCmdline()),
        interfaces, s.getGuestAgent(), s.getGuestAgentConnected());
  }

  public static HostView fromHost(HostStatus h, Instant receivedAt) {
    return new HostView(h.getHostId(), h.getState() == HostState.UP, h.getAgentEpoch(), h.getDriver(),
        h.getHeartbeatAt(), h.getStartedAt(), receivedAt, h.getVcpus(), h.getMemoryMiB(), h.getMemoryMiBUsed(),
        h.getDomainCount(), h.getQueuedCommands(), h.getDriverBreaker(), h.getLoopLagMs(), h.getDriverConnected(),
        h.getDriverMessage(), h.getDriverFacts(), h.getImages());
  }
}
