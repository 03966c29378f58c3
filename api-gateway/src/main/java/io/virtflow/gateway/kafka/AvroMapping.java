package io.virtflow.gateway.kafka;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.virtflow.gateway.domain.CommandDraft;
import io.virtflow.gateway.domain.DiskSpec;
import io.virtflow.gateway.domain.DomainView;
import io.virtflow.gateway.domain.HostView;
import io.virtflow.gateway.domain.Operation;
import io.virtflow.gateway.domain.Phase;
import io.virtflow.gateway.domain.SnapshotCatalogView;
import io.virtflow.gateway.domain.SnapshotKind;
import io.virtflow.gateway.domain.SnapshotSpec;
import io.virtflow.gateway.domain.StatusUpdate;
import io.virtflow.schema.Cancel;
import io.virtflow.schema.Command;
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
        .build();
  }

  static Object payload(Operation op) {
    if (op instanceof Operation.Define define) {
      List<Disk> disks = new ArrayList<>();
      for (DiskSpec disk : define.spec().disks()) {
        disks.add(Disk.newBuilder().setTarget(disk.target()).setSizeGiB(Math.toIntExact(disk.sizeGiB()))
            .setFormat(DEFAULT_DISK_FORMAT).setPath(null).build());
      }
      return Define.newBuilder().setName(define.spec().name()).setVcpus(Math.toIntExact(define.spec().vcpus()))
          .setMemoryMiB(define.spec().memoryMiB()).setDisks(disks).build();
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
        .build();
  }

  public static StatusUpdate fromStatus(CommandStatus s) {
    return new StatusUpdate(s.getCommandId(), s.getDomainId(), s.getHostId(), s.getOperation(),
        Phase.valueOf(s.getStatus().name()), s.getCode() == null ? null : s.getCode().name(), s.getMessage(),
        s.getDomainState() == null ? null : s.getDomainState().name(), s.getAt(), s.getPrincipal(),
        s.getIdempotencyKey(), s.getRequestHash(), s.getResult(), s.getJobId());
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
      disks.add(new DomainView.Disk(d.getTarget(), d.getSizeGiB(), d.getFormat(), d.getPath()));
    }
    return new DomainView(s.getDomainId(), s.getName(), s.getHostId(), s.getState().name(), s.getReason().name(),
        s.getVcpus(), s.getMemoryMiB(), disks, s.getSnapshotCount(), s.getVersion(), s.getPrincipal(),
        s.getUpdatedAt());
  }

  public static HostView fromHost(HostStatus h, Instant receivedAt) {
    return new HostView(h.getHostId(), h.getState() == HostState.UP, h.getAgentEpoch(), h.getDriver(),
        h.getHeartbeatAt(), h.getStartedAt(), receivedAt, h.getVcpus(), h.getMemoryMiB(), h.getMemoryMiBUsed(),
        h.getDomainCount(), h.getQueuedCommands());
  }
}
