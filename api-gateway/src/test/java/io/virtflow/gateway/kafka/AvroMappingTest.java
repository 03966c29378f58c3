package io.virtflow.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.virtflow.gateway.domain.CommandDraft;
import io.virtflow.gateway.domain.DefineSpec;
import io.virtflow.gateway.domain.DiskSpec;
import io.virtflow.gateway.domain.FailureCode;
import io.virtflow.gateway.domain.Operation;
import io.virtflow.gateway.domain.Phase;
import io.virtflow.gateway.domain.RevertStart;
import io.virtflow.gateway.domain.SnapshotCatalogView;
import io.virtflow.gateway.domain.SnapshotKind;
import io.virtflow.gateway.domain.SnapshotSpec;
import io.virtflow.gateway.domain.StatusUpdate;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.CreateSnapshot;
import io.virtflow.schema.Define;
import io.virtflow.schema.DeleteSnapshot;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.ErrorCode;
import io.virtflow.schema.RevertSnapshot;
import io.virtflow.schema.SnapshotCatalog;
import io.virtflow.schema.SnapshotDiskRecord;
import io.virtflow.schema.SnapshotKindCode;
import io.virtflow.schema.SnapshotRecord;
import io.virtflow.schema.SnapshotRequest;

class AvroMappingTest {
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

  @Test
  void aHeartbeatCarriesTheDriverBreakerAndTheLoopLag() {
    io.virtflow.schema.HostStatus h = io.virtflow.schema.HostStatus.newBuilder().setHostId("h1")
        .setState(io.virtflow.schema.HostState.UP).setAgentEpoch(3).setDriver("sim").setHeartbeatAt(T0)
        .setStartedAt(T0).setVcpus(8).setMemoryMiB(1024).setMemoryMiBUsed(0).setDomainCount(0)
        .setDriverBreaker("OPEN").setLoopLagMs(42).build();
    io.virtflow.gateway.domain.HostView v = AvroMapping.fromHost(h, T0);
    assertThat(v.driverBreaker()).isEqualTo("OPEN");
    assertThat(v.loopLagMs()).isEqualTo(42);
    assertThat(io.virtflow.gateway.domain.HostView.class.getDeclaredConstructors()).hasSize(2);
  }

  @Test
  void thePureEnumsMirrorTheContract() {
    assertThat(Arrays.stream(FailureCode.values()).map(Enum::name))
        .containsExactlyElementsOf(Arrays.stream(ErrorCode.values()).map(Enum::name).toList());
    assertThat(Arrays.stream(Phase.values()).map(Enum::name))
        .containsExactlyElementsOf(Arrays.stream(CommandStatusCode.values()).map(Enum::name).toList());
  }

  @Test
  void everyOperationBecomesItsPayloadRecordAndTheNamesMatch() {
    List<Operation> ops = List.of(new Operation.Define(new DefineSpec("web", null, 2, 1024, List.of(new DiskSpec("vda", 10)))),
        new Operation.Undefine(true, false, true), new Operation.Start(true), new Operation.Cancel("x"),
        new Operation.Lifecycle(Operation.Lifecycle.Kind.SHUTDOWN), new Operation.Lifecycle(Operation.Lifecycle.Kind.REBOOT),
        new Operation.Lifecycle(Operation.Lifecycle.Kind.DESTROY), new Operation.Lifecycle(Operation.Lifecycle.Kind.SUSPEND),
        new Operation.Lifecycle(Operation.Lifecycle.Kind.RESUME));
    for (Operation op : ops) {
      CommandDraft d = new CommandDraft("c", "d", "h", T0, T0.plusSeconds(60), "anonymous", "k", "hash", op);
      Command back = Codecs.COMMAND.decode(Codecs.COMMAND.encode(AvroMapping.toCommand(d)));
      assertThat(back.getPayload().getClass().getSimpleName()).isEqualTo(op.name());
      assertThat(back.getDeadline()).isEqualTo(T0.plusSeconds(60));
      assertThat(back.getIdempotencyKey()).isEqualTo("k");
    }
    Command define = AvroMapping.toCommand(new CommandDraft("c", "d", "h", T0, T0, "p", null, "hash", ops.get(0)));
    Define payload = (Define) define.getPayload();
    assertThat(payload.getDisks()).singleElement().satisfies(disk -> {
      assertThat(disk.getTarget()).isEqualTo("vda");
      assertThat(disk.getFormat()).isEqualTo("qcow2");
      assertThat(disk.getPath()).isNull();
    });
  }

  @Test
  void aStatusSurvivesTheRoundTrip() {
    StatusUpdate u = new StatusUpdate("c", "d", "h", "Start", Phase.REJECTED, "OPERATION_INVALID", "already running",
        "RUNNING", T0, "anonymous", "k", "hash", "{\"consistent\":true}", "job-1");
    StatusUpdate back = AvroMapping.fromStatus(Codecs.COMMAND_STATUS.decode(Codecs.COMMAND_STATUS.encode(
        AvroMapping.toStatus(u))));
    assertThat(back).isEqualTo(u);
  }
  @Test
  void theSnapshotEnumsMirrorTheContract() {
    assertThat(Arrays.stream(SnapshotKind.values()).map(Enum::name))
        .containsExactlyElementsOf(Arrays.stream(SnapshotKindCode.values()).map(Enum::name).toList());
    assertThat(Arrays.stream(RevertStart.values()).map(Enum::name))
        .containsExactlyElementsOf(Arrays.stream(io.virtflow.schema.RevertStart.values()).map(Enum::name).toList());
  }

  @Test
  void everySnapshotOperationBecomesItsRequestPayloadAndTheNamesMatch() {
    List<Operation.SnapshotOperation> ops = List.of(
        new Operation.CreateSnapshot(new SnapshotSpec("s1", SnapshotKind.EXTERNAL, "why", true, true)),
        new Operation.RevertSnapshot("s1", RevertStart.PAUSED, true),
        new Operation.DeleteSnapshot("s1", false, true, true), new Operation.ReconcileSnapshots());
    assertThat(ops).extracting(Operation::name).containsExactlyInAnyOrderElementsOf(Operation.SnapshotOperation.NAMES);
    for (Operation.SnapshotOperation op : ops) {
      CommandDraft d = new CommandDraft("c", "d", "h", T0, T0.plusSeconds(60), "anonymous", "k", "hash", op);
      SnapshotRequest back = Codecs.SNAPSHOT_REQUEST.decode(Codecs.SNAPSHOT_REQUEST.encode(
          AvroMapping.toSnapshotRequest(d)));
      assertThat(back.getPayload().getClass().getSimpleName()).isEqualTo(op.name());
      assertThat(back.getCommandId()).isEqualTo("c");
      assertThat(back.getDomainId()).isEqualTo("d");
      assertThat(back.getIssuedAt()).isEqualTo(T0);
      assertThat(back.getDeadline()).isEqualTo(T0.plusSeconds(60));
      assertThat(back.getPrincipal()).isEqualTo("anonymous");
      assertThat(back.getIdempotencyKey()).isEqualTo("k");
      assertThat(back.getRequestHash()).isEqualTo("hash");
    }
    CreateSnapshot c = (CreateSnapshot) AvroMapping.toSnapshotRequest(new CommandDraft("c", "d", "h", T0, T0, "p", null,
        "hash", ops.get(0))).getPayload();
    assertThat(c.getName()).isEqualTo("s1");
    assertThat(c.getKind()).isEqualTo(SnapshotKindCode.EXTERNAL);
    assertThat(c.getDescription()).isEqualTo("why");
    assertThat(c.getQuiesce()).isTrue();
    assertThat(c.getMemory()).isTrue();
    RevertSnapshot r = (RevertSnapshot) AvroMapping.snapshotPayload(ops.get(1));
    assertThat(r.getStart()).isEqualTo(io.virtflow.schema.RevertStart.PAUSED);
    assertThat(r.getForce()).isTrue();
    DeleteSnapshot x = (DeleteSnapshot) AvroMapping.snapshotPayload(ops.get(2));
    assertThat(x.getChildren()).isFalse();
    assertThat(x.getChildrenOnly()).isTrue();
    assertThat(x.getMetadataOnly()).isTrue();
    assertThatThrownBy(() -> AvroMapping.toCommand(new CommandDraft("c", "d", "h", T0, T0, "p", null, "hash",
        ops.get(3)))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aCatalogBecomesTheViewWithEveryField() {
    SnapshotCatalog avro = SnapshotCatalog.newBuilder()
        .setSnapshots(List.of(SnapshotRecord.newBuilder().setName("b").setParent("a").setKind(SnapshotKindCode.EXTERNAL)
            .setDescription("d").setCreationState(DomainStateCode.RUNNING).setOnline(true).setQuiesced(true)
            .setPaused(false).setCreatedAt(T0.plusSeconds(1)).setDisks(List.of(SnapshotDiskRecord.newBuilder()
                .setTarget("vda").setFile("/p/base.qcow2").setTag(null).setOverlay("/p/b.qcow2").build())).build(),
            SnapshotRecord.newBuilder().setName("a").setParent(null).setKind(SnapshotKindCode.INTERNAL)
                .setCreationState(DomainStateCode.SHUTOFF).setOnline(false).setQuiesced(false).setPaused(false)
                .setCreatedAt(T0).setDisks(List.of(SnapshotDiskRecord.newBuilder().setTarget("vda")
                    .setFile("/p/base.qcow2").setTag("a").build())).build()))
        .setCurrent("b").setActive(Map.of("vda", "/p/b.qcow2")).setImages(List.of()).build();
    SnapshotCatalogView v = AvroMapping.fromCatalog(avro);
    assertThat(v.current()).isEqualTo("b");
    assertThat(v.snapshots()).extracting(SnapshotCatalogView.SnapshotView::name).containsExactly("a", "b");
    assertThat(v.find("b")).hasValue(new SnapshotCatalogView.SnapshotView("b", "a", SnapshotKind.EXTERNAL, "d", "RUNNING",
        true, true, false, T0.plusSeconds(1), List.of(new SnapshotCatalogView.Disk("vda", "/p/base.qcow2", null,
            "/p/b.qcow2"))));
    assertThat(v.children("a")).containsExactly("b");
  }
}
