package io.virtflow.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.virtflow.gateway.domain.BootSpec;
import io.virtflow.gateway.domain.CommandDraft;
import io.virtflow.gateway.domain.DefineSpec;
import io.virtflow.gateway.domain.DiskSpec;
import io.virtflow.gateway.domain.DomainView;
import io.virtflow.gateway.domain.FailureCode;
import io.virtflow.gateway.domain.InterfaceSpec;
import io.virtflow.gateway.domain.Operation;
import io.virtflow.gateway.domain.Phase;
import io.virtflow.gateway.domain.Principal;
import io.virtflow.gateway.domain.RevertStart;
import io.virtflow.gateway.domain.Role;
import io.virtflow.gateway.domain.SnapshotCatalogView;
import io.virtflow.gateway.domain.SnapshotKind;
import io.virtflow.gateway.domain.SnapshotSpec;
import io.virtflow.gateway.domain.StatusUpdate;
import io.virtflow.gateway.domain.Submission;
import io.virtflow.schema.Boot;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandRequest;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.CreateSnapshot;
import io.virtflow.schema.Define;
import io.virtflow.schema.DeleteSnapshot;
import io.virtflow.schema.Disk;
import io.virtflow.schema.DomainState;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.ErrorCode;
import io.virtflow.schema.NetInterface;
import io.virtflow.schema.ReadConsole;
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
    // A heartbeat of an agent that says nothing of its driver or images: connected, no facts, no images.
    assertThat(v.driverConnected()).isTrue();
    assertThat(v.driverMessage()).isNull();
    assertThat(v.driverFacts()).isEmpty();
    assertThat(v.images()).isEmpty();
  }

  @Test
  void aHeartbeatCarriesTheDriverConnectionItsFactsAndTheImages() {
    io.virtflow.schema.HostStatus h = io.virtflow.schema.HostStatus.newBuilder().setHostId("h1")
        .setState(io.virtflow.schema.HostState.UP).setAgentEpoch(3).setDriver("libvirt").setHeartbeatAt(T0)
        .setStartedAt(T0).setVcpus(8).setMemoryMiB(1024).setMemoryMiBUsed(0).setDomainCount(0)
        .setDriverConnected(false).setDriverMessage("libvirtd went away")
        .setDriverFacts(Map.of("uri", "qemu:///system", "domainType", "qemu", "foreignDomains", "2"))
        .setImages(List.of("vmlinuz", "base.qcow2")).build();
    io.virtflow.gateway.domain.HostView v = AvroMapping.fromHost(Codecs.HOST_STATUS.decode(
        Codecs.HOST_STATUS.encode(h)), T0);
    assertThat(v.driverConnected()).isFalse();
    assertThat(v.driverMessage()).isEqualTo("libvirtd went away");
    assertThat(v.driverFacts()).containsExactly(Map.entry("domainType", "qemu"), Map.entry("foreignDomains", "2"),
        Map.entry("uri", "qemu:///system"));
    assertThat(v.images()).containsExactly("vmlinuz", "base.qcow2");
  }

  @Test
  void aRealGuestsDefinitionGoesOverTheWireWithEveryField() {
    DefineSpec spec = new DefineSpec("g", null, 1, 256, List.of(new DiskSpec("vda", 1, "base.qcow2"),
        new DiskSpec("vdb", 8)), new BootSpec("vmlinuz", null, "console=ttyS0"),
        List.of(new InterfaceSpec(null, null), new InterfaceSpec("default", "52:54:00:00:00:01")), true);
    Command back = Codecs.COMMAND.decode(Codecs.COMMAND.encode(AvroMapping.toCommand(new CommandDraft("c", "d", "h",
        T0, T0, "p", null, "hash", new Operation.Define(spec)))));
    Define d = (Define) back.getPayload();
    assertThat(d.getGuestAgent()).isTrue();
    assertThat(d.getBoot()).isEqualTo(Boot.newBuilder().setKernel("vmlinuz").setInitrd(null)
        .setCmdline("console=ttyS0").build());
    assertThat(d.getDisks()).extracting(Disk::getImage).containsExactly("base.qcow2", null);
    assertThat(d.getInterfaces()).containsExactly(NetInterface.newBuilder().setNetwork(null).setMac(null).build(),
        NetInterface.newBuilder().setNetwork("default").setMac("52:54:00:00:00:01").build());

    // The Kafka door reads the same record back into the same definition; guestAgent=false is just false.
    d.setGuestAgent(false);
    Submission s = AvroMapping.toSubmission(CommandRequest.newBuilder().setCommandId("c").setIssuedAt(T0)
        .setPayload(d).build(), new Principal("svc", Role.ADMIN, java.util.Set.of()));
    DefineSpec read = ((Operation.Define) s.operation()).spec();
    assertThat(read).isEqualTo(new DefineSpec("g", null, 1, 256, spec.disks(), spec.boot(), spec.interfaces(), false));
  }

  @Test
  void aDomainStateShowsItsBootInterfacesAndGuestAgent() {
    DomainState s = DomainState.newBuilder().setDomainId("d").setName("g").setHostId("h").setState(
        DomainStateCode.RUNNING).setReason(io.virtflow.schema.StateReason.BOOTED).setVcpus(1).setMemoryMiB(64)
        .setDisks(List.of(Disk.newBuilder().setTarget("vda").setSizeGiB(2).setPath("/pool/g-vda.qcow2")
            .setImage("base.qcow2").build())).setVersion(4).setSnapshotCount(0).setUpdatedAt(T0)
        .setBoot(Boot.newBuilder().setKernel("vmlinuz").setInitrd("initrd.img").build())
        .setInterfaces(List.of(NetInterface.newBuilder().setNetwork(null).setMac("52:54:00:00:00:07").build()))
        .setGuestAgent(true).setGuestAgentConnected(false).build();
    DomainView v = AvroMapping.fromState(Codecs.DOMAIN_STATE.decode(Codecs.DOMAIN_STATE.encode(s)));
    assertThat(v.boot()).isEqualTo(new BootSpec("vmlinuz", "initrd.img", null));
    assertThat(v.interfaces()).containsExactly(new InterfaceSpec(null, "52:54:00:00:00:07"));
    assertThat(v.guestAgent()).isTrue();
    assertThat(v.guestAgentConnected()).isFalse();
    assertThat(v.disks()).containsExactly(new DomainView.Disk("vda", 2, "qcow2", "/pool/g-vda.qcow2", "base.qcow2"));
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
        new Operation.Lifecycle(Operation.Lifecycle.Kind.RESUME), new Operation.ReadConsole(250));
    for (Operation op : ops) {
      CommandDraft d = new CommandDraft("c", "d", "h", T0, T0.plusSeconds(60), "anonymous", "k", "hash", op);
      Command back = Codecs.COMMAND.decode(Codecs.COMMAND.encode(AvroMapping.toCommand(d)));
      assertThat(back.getPayload().getClass().getSimpleName()).isEqualTo(op.name());
      assertThat(back.getDeadline()).isEqualTo(T0.plusSeconds(60));
      assertThat(back.getIdempotencyKey()).isEqualTo("k");
    }
    assertThat(((ReadConsole) AvroMapping.payload(new Operation.ReadConsole(250))).getTailLines()).isEqualTo(250);
    Command define = AvroMapping.toCommand(new CommandDraft("c", "d", "h", T0, T0, "p", null, "hash", ops.get(0)));
    Define payload = (Define) define.getPayload();
    assertThat(payload.getDisks()).singleElement().satisfies(disk -> {
      assertThat(disk.getTarget()).isEqualTo("vda");
      assertThat(disk.getFormat()).isEqualTo("qcow2");
      assertThat(disk.getPath()).isNull();
      assertThat(disk.getImage()).isNull();
    });
    assertThat(payload.getGuestAgent()).isFalse();
    assertThat(payload.getBoot()).isNull();
    assertThat(payload.getInterfaces()).isEmpty();
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
