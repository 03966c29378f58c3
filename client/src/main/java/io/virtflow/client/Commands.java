package io.virtflow.client;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

import io.virtflow.schema.Cancel;
import io.virtflow.schema.CommandRequest;
import io.virtflow.schema.CreateSnapshot;
import io.virtflow.schema.Define;
import io.virtflow.schema.DeleteSnapshot;
import io.virtflow.schema.Destroy;
import io.virtflow.schema.Disk;
import io.virtflow.schema.Reboot;
import io.virtflow.schema.ReconcileSnapshots;
import io.virtflow.schema.Resume;
import io.virtflow.schema.RevertSnapshot;
import io.virtflow.schema.RevertStart;
import io.virtflow.schema.Shutdown;
import io.virtflow.schema.SnapshotKindCode;
import io.virtflow.schema.Start;
import io.virtflow.schema.Suspend;
import io.virtflow.schema.Undefine;

/**
 * Builds {@link CommandRequest}s, each with a fresh {@code commandId} and {@code issuedAt = now}; the client
 * fills in its principal. For a host, a deadline ({@code timeoutMs}) or anything else, take the request's
 * builder: {@code CommandRequest.newBuilder(Commands.start("web")).setTimeoutMs(5_000L).build()}.
 */
public final class Commands {
  private Commands() {
  }

  /** A domain with these disks (qcow2, in the host's pool); placed on the UP host with the most free memory. */
  public static CommandRequest define(String name, int vcpus, long memoryMiB, Disk... disks) {
    return define(name, null, vcpus, memoryMiB, disks);
  }

  /** A domain defined on the given host (null = placed by the gateway). */
  public static CommandRequest define(String name, String host, int vcpus, long memoryMiB, Disk... disks) {
    Objects.requireNonNull(name, "name");
    Define define = Define.newBuilder().setName(name).setVcpus(vcpus).setMemoryMiB(memoryMiB)
        .setDisks(List.of(disks)).build();
    return CommandRequest.newBuilder(request(null, define)).setHost(host).build();
  }

  public static Disk disk(String target, int sizeGiB) {
    return Disk.newBuilder().setTarget(target).setSizeGiB(sizeGiB).build();
  }

  public static CommandRequest start(String domain) {
    return request(domain, Start.newBuilder().build());
  }

  public static CommandRequest startPaused(String domain) {
    return request(domain, Start.newBuilder().setPaused(true).build());
  }

  public static CommandRequest shutdown(String domain) {
    return request(domain, Shutdown.newBuilder().build());
  }

  public static CommandRequest reboot(String domain) {
    return request(domain, Reboot.newBuilder().build());
  }

  public static CommandRequest destroy(String domain) {
    return request(domain, Destroy.newBuilder().build());
  }

  public static CommandRequest suspend(String domain) {
    return request(domain, Suspend.newBuilder().build());
  }

  public static CommandRequest resume(String domain) {
    return request(domain, Resume.newBuilder().build());
  }

  public static CommandRequest undefine(String domain, boolean force, boolean snapshotsMetadata,
      boolean removeStorage) {
    return request(domain, Undefine.newBuilder().setForce(force).setSnapshotsMetadata(snapshotsMetadata)
        .setRemoveStorage(removeStorage).build());
  }

  /** Cancels a queued command; {@code domain} is the cancelled command's domain (it keys the request). */
  public static CommandRequest cancel(String domain, String targetCommandId) {
    return request(domain, Cancel.newBuilder().setTargetCommandId(targetCommandId).build());
  }

  public static CommandRequest createSnapshot(String domain, String name, SnapshotKindCode kind) {
    return request(domain, CreateSnapshot.newBuilder().setName(name).setKind(kind).build());
  }

  public static CommandRequest revertSnapshot(String domain, String name, RevertStart start) {
    return request(domain, RevertSnapshot.newBuilder().setName(name).setStart(start).build());
  }

  public static CommandRequest deleteSnapshot(String domain, String name) {
    return request(domain, DeleteSnapshot.newBuilder().setName(name).build());
  }

  public static CommandRequest reconcileSnapshots(String domain) {
    return request(domain, ReconcileSnapshots.newBuilder().build());
  }

  /** Any payload of the {@link CommandRequest} union, for a domain (null for Define). */
  public static CommandRequest request(String domain, Object payload) {
    Objects.requireNonNull(payload, "payload");
    return CommandRequest.newBuilder().setCommandId(UUID.randomUUID().toString()).setDomain(domain)
        .setIssuedAt(Instant.now()).setPayload(payload).build();
  }
}
