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
import io.virtflow.gateway.domain.StatusUpdate;
import io.virtflow.schema.Cancel;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandStatus;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.Define;
import io.virtflow.schema.Destroy;
import io.virtflow.schema.Disk;
import io.virtflow.schema.DomainState;
import io.virtflow.schema.ErrorCode;
import io.virtflow.schema.HostState;
import io.virtflow.schema.HostStatus;
import io.virtflow.schema.Reboot;
import io.virtflow.schema.Resume;
import io.virtflow.schema.Shutdown;
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
        .build();
  }

  public static StatusUpdate fromStatus(CommandStatus s) {
    return new StatusUpdate(s.getCommandId(), s.getDomainId(), s.getHostId(), s.getOperation(),
        Phase.valueOf(s.getStatus().name()), s.getCode() == null ? null : s.getCode().name(), s.getMessage(),
        s.getDomainState() == null ? null : s.getDomainState().name(), s.getAt(), s.getPrincipal(),
        s.getIdempotencyKey(), s.getRequestHash());
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
