package io.virtflow.agent.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.virtflow.agent.domain.AgentCommand;
import io.virtflow.agent.domain.Event;
import io.virtflow.agent.domain.Fault;
import io.virtflow.agent.domain.Operation;
import io.virtflow.agent.domain.Reason;
import io.virtflow.agent.domain.Request;
import io.virtflow.agent.domain.State;
import io.virtflow.agent.store.CommandRef;
import io.virtflow.agent.store.Outcome;
import io.virtflow.agent.store.RecordedEvent;
import io.virtflow.schema.BeginJob;
import io.virtflow.schema.Cancel;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.Define;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.EndJob;
import io.virtflow.schema.ErrorCode;
import io.virtflow.schema.EventDetail;
import io.virtflow.schema.EventType;
import io.virtflow.schema.InspectDisks;
import io.virtflow.schema.ReadConsole;
import io.virtflow.schema.RunStep;
import io.virtflow.schema.Start;
import io.virtflow.schema.StateReason;
import io.virtflow.schema.Undefine;

/** The domain's enums speak the contract's symbols, so the mapping by name is total. */
class MessagesTest {

  private static List<String> names(Enum<?>[] values) {
    return Arrays.stream(values).map(Enum::name).toList();
  }

  @Test
  void everyDomainSymbolExistsInTheContract() {
    assertThat(names(DomainStateCode.values())).containsAll(names(State.values()));
    assertThat(names(StateReason.values())).containsAll(names(Reason.values()));
    assertThat(names(EventType.values())).containsAll(names(Event.Type.values()));
    assertThat(names(EventDetail.values())).containsAll(names(Event.Detail.values()));
    assertThat(names(ErrorCode.values())).containsAll(names(Fault.values()));
    assertThat(names(CommandStatusCode.values())).containsAll(names(Outcome.Status.values()));
  }

  @Test
  void aPayloadThisAgentDoesNotKnowAsksForNoLifecycleRequest() {
    assertThat(Messages.requestOf(new Object())).isEmpty();
    assertThat(Messages.requestOf(new io.virtflow.schema.Cancel("c"))).isEmpty();
    assertThat(Messages.requestOf(new Start(true))).contains(io.virtflow.agent.domain.Request.startPaused());
  }

  @Test
  void aRunStepCarriesItsStepAndAnUnknownKindNone() {
    var step = io.virtflow.schema.DiskStep.newBuilder().setKind(io.virtflow.schema.DiskStepKind.REBASE)
        .setTarget("vda").setFile("/p/f").setBacking(null).build();
    assertThat(Messages.stepOf(new io.virtflow.schema.RunStep(step))).contains(new io.virtflow.agent.domain.DiskStep(
        io.virtflow.agent.domain.DiskStep.Kind.REBASE, "vda", "/p/f", null, null, null, false));
    var unknown = io.virtflow.schema.DiskStep.newBuilder().setKind(io.virtflow.schema.DiskStepKind.UNKNOWN).build();
    assertThat(Messages.stepOf(new io.virtflow.schema.RunStep(unknown))).isEmpty();
    // Every kind the contract names but UNKNOWN is one the agent runs.
    assertThat(names(io.virtflow.agent.domain.DiskStep.Kind.values())).containsExactlyElementsOf(
        names(io.virtflow.schema.DiskStepKind.values()).stream().filter(n -> !n.equals("UNKNOWN")).toList());
  }

  @Test
  void aStepsStatusCarriesItsJobAndAnInspectionItsResult() {
    CommandRef ref = new CommandRef("c1", "d1", "h1", "InspectDisks", "alice", null, null, "j1");
    Outcome o = Outcome.succeeded(ref, null, State.SHUTOFF, Instant.EPOCH, "web1", List.of(), false, "{\"disks\":{}}");
    var status = Codecs.COMMAND_STATUS.decode(Codecs.COMMAND_STATUS.encode(Messages.statusOf(o)));
    assertThat(status.getJobId()).isEqualTo("j1");
    assertThat(status.getResult()).isEqualTo("{\"disks\":{}}");
    assertThat(Messages.running(ref, Instant.EPOCH).getJobId()).isEqualTo("j1");
  }

  private static Command commandWith(Object payload) {
    return Command.newBuilder().setCommandId("c1").setDomainId("d1").setHostId("h1").setIssuedAt(Instant.EPOCH)
        .setDeadline(Instant.parse("2026-01-01T00:00:30Z")).setPrincipal("alice").setJobId("j1")
        .setProject("p1").setPayload(payload).build();
  }

  @Test
  void everyPayloadBecomesACommandInTheAgentsTermsWithItsEnvelope() {
    AgentCommand start = Messages.commandOf(commandWith(new Start(true)));
    assertThat(start.envelope()).isEqualTo(new AgentCommand.Envelope("c1", "d1", "h1", "Start", "alice", null, null,
        "j1", "p1", Instant.parse("2026-01-01T00:00:30Z")));
    assertThat(start).isEqualTo(new AgentCommand.Lifecycle(start.envelope(), Request.startPaused()));

    var define = Define.newBuilder().setName("web1").setVcpus(2).setMemoryMiB(1024).setDisks(List.of(
        io.virtflow.schema.Disk.newBuilder().setTarget("vda").setSizeGiB(10).setFormat("qcow2").build())).build();
    assertThat(Messages.commandOf(commandWith(define))).isInstanceOfSatisfying(AgentCommand.Define.class, d -> {
      assertThat(d.definition().name()).isEqualTo("web1");
      assertThat(d.definition().principal()).isEqualTo("alice");
      assertThat(d.definition().project()).isEqualTo("p1");
      assertThat(d.definition().disks()).hasSize(1);
      assertThat(d.lifecycleRequest()).contains(Request.of(Operation.DEFINE));
    });
    assertThat(Messages.commandOf(commandWith(new Undefine(true, false, true))))
        .extracting(AgentCommand::lifecycleRequest).isEqualTo(Optional.of(Request.undefine(true, true)));
    var step = io.virtflow.schema.DiskStep.newBuilder().setKind(io.virtflow.schema.DiskStepKind.FREEZE).build();
    assertThat(Messages.commandOf(commandWith(new RunStep(step)))).isInstanceOfSatisfying(AgentCommand.Step.class,
        s -> assertThat(s.step().kind()).isEqualTo(io.virtflow.agent.domain.DiskStep.Kind.FREEZE));
    Instant expires = Instant.parse("2026-01-01T00:10:00Z");
    assertThat(Messages.commandOf(commandWith(new BeginJob("snapshot 's1'", expires))))
        .isInstanceOfSatisfying(AgentCommand.BeginJob.class, b -> {
          assertThat(b.description()).isEqualTo("snapshot 's1'");
          assertThat(b.expiresAt()).isEqualTo(expires);
        });
    assertThat(Messages.commandOf(commandWith(new EndJob()))).isInstanceOf(AgentCommand.EndJob.class);
    assertThat(Messages.commandOf(commandWith(new InspectDisks()))).isInstanceOf(AgentCommand.InspectDisks.class);
    assertThat(Messages.commandOf(commandWith(new ReadConsole(50))))
        .isInstanceOfSatisfying(AgentCommand.ReadConsole.class, r -> assertThat(r.tailLines()).isEqualTo(50));
    assertThat(Messages.commandOf(commandWith(new Cancel("c0"))))
        .isInstanceOfSatisfying(AgentCommand.Cancel.class, c -> assertThat(c.targetCommandId()).isEqualTo("c0"));
  }

  @Test
  void aStepKindThisAgentDoesNotKnowIsUnsupportedSayingWhich() {
    var unknown = io.virtflow.schema.DiskStep.newBuilder().setKind(io.virtflow.schema.DiskStepKind.UNKNOWN).build();
    AgentCommand command = Messages.commandOf(commandWith(new RunStep(unknown)));
    assertThat(command).isEqualTo(new AgentCommand.Unsupported(command.envelope(), "step kind UNKNOWN"));
    assertThat(command.envelope().operation()).isEqualTo("RunStep");
  }

  @Test
  void aStatusRepeatsTheCommandsIdentityAndSurvivesTheWire() {
    Command command = Command.newBuilder().setCommandId("c1").setDomainId("d1").setHostId("h1")
        .setIssuedAt(Instant.EPOCH).setDeadline(Instant.EPOCH).setPrincipal("alice").setIdempotencyKey("k")
        .setRequestHash("h").setPayload(new Start(false)).build();
    CommandRef ref = CommandRef.of(Messages.commandOf(command).envelope());
    assertThat(ref).isEqualTo(new CommandRef("c1", "d1", "h1", "Start", "alice", "k", "h"));

    Instant at = Instant.parse("2026-01-01T00:00:00.123Z");
    Outcome rejected = Outcome.refused(ref, Outcome.Status.REJECTED, Fault.OPERATION_INVALID, "no", State.RUNNING, at);
    var status = Codecs.COMMAND_STATUS.decode(Codecs.COMMAND_STATUS.encode(Messages.statusOf(rejected)));
    assertThat(status.getStatus()).isEqualTo(CommandStatusCode.REJECTED);
    assertThat(status.getCode()).isEqualTo(ErrorCode.OPERATION_INVALID);
    assertThat(status.getDomainState()).isEqualTo(DomainStateCode.RUNNING);
    assertThat(status.getOperation()).isEqualTo("Start");
    assertThat(status.getPrincipal()).isEqualTo("alice");
    assertThat(status.getIdempotencyKey()).isEqualTo("k");
    assertThat(status.getRequestHash()).isEqualTo("h");
    assertThat(status.getAt()).isEqualTo(at);

    Outcome ok = Outcome.succeeded(ref, null, State.RUNNING, at, "web1", List.of(new RecordedEvent(
        UUID.fromString("00000000-0000-0000-0000-00000000000a"),
        new Event(Event.Type.STARTED, Event.Detail.BOOTED, State.RUNNING, Reason.BOOTED), at)));
    var event = Messages.eventOf(ok, ok.events().get(0), "h1");
    assertThat(event.getEventId()).isEqualTo("00000000-0000-0000-0000-00000000000a");
    assertThat(event.getDomainName()).isEqualTo("web1");
    assertThat(event.getCommandId()).isEqualTo("c1");
    assertThat(event.getType()).isEqualTo(EventType.STARTED);
  }
}
