package io.virtflow.schema;

import java.time.Instant;
import java.util.List;

/** Records of every message type, filled the way services fill them. */
final class Fixtures {
  static final Instant T0 = Instant.parse("2026-11-25T12:00:00Z");

  private Fixtures() {
  }

  static Command defineCommand() {
    return Command.newBuilder()
        .setCommandId("c7d3b2a8-5a3e-4b86-9f5e-1d2c3b4a5f60")
        .setDomainId("a1b2c3d4-0000-4000-8000-000000000001")
        .setHostId("host-1")
        .setIssuedAt(T0)
        .setDeadline(T0.plusSeconds(300))
        .setPrincipal("alice")
        .setIdempotencyKey("k-1")
        .setRequestHash("h")
        .setPayload(Define.newBuilder().setName("web1").setVcpus(2).setMemoryMiB(2048)
            .setDisks(List.of(Disk.newBuilder().setTarget("vda").setSizeGiB(10).build())).build())
        .build();
  }

  static Command cancelCommand() {
    return Command.newBuilder(defineCommand()).setCommandId("c7d3b2a8-5a3e-4b86-9f5e-1d2c3b4a5f61")
        .setIdempotencyKey(null).setRequestHash(null)
        .setPayload(Cancel.newBuilder().setTargetCommandId("c7d3b2a8-5a3e-4b86-9f5e-1d2c3b4a5f60").build()).build();
  }

  static CommandStatus rejected() {
    return CommandStatus.newBuilder().setCommandId("c1").setDomainId("d1").setHostId("host-1").setOperation("Start")
        .setStatus(CommandStatusCode.REJECTED).setCode(ErrorCode.OPERATION_INVALID)
        .setMessage("cannot start domain 'web1': it is running").setDomainState(DomainStateCode.RUNNING)
        .setAt(T0).build();
  }

  static DomainEvent started() {
    return DomainEvent.newBuilder().setEventId("e1").setDomainId("d1").setDomainName("web1").setHostId("host-1")
        .setType(EventType.STARTED).setDetail(EventDetail.BOOTED).setState(DomainStateCode.RUNNING)
        .setReason(StateReason.BOOTED).setAt(T0).setCommandId("c1").build();
  }

  static DomainState running() {
    return DomainState.newBuilder().setDomainId("d1").setName("web1").setHostId("host-1")
        .setState(DomainStateCode.RUNNING).setReason(StateReason.BOOTED).setVcpus(2).setMemoryMiB(2048)
        .setDisks(List.of(Disk.newBuilder().setTarget("vda").setSizeGiB(10).setPath("/pool/d1-vda.qcow2").build()))
        .setVersion(3).setUpdatedAt(T0).build();
  }

  static HostStatus heartbeat() {
    return HostStatus.newBuilder().setHostId("host-1").setState(HostState.UP).setAgentEpoch(4).setDriver("sim")
        .setHeartbeatAt(T0).setStartedAt(T0.minusSeconds(60)).setVcpus(64).setMemoryMiB(262144)
        .setMemoryMiBUsed(2048).setDomainCount(1).build();
  }
}
