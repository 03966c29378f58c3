package io.virtflow.agent.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.virtflow.agent.domain.Event;
import io.virtflow.agent.domain.Fault;
import io.virtflow.agent.domain.Reason;
import io.virtflow.agent.domain.State;
import io.virtflow.agent.store.CommandRef;
import io.virtflow.agent.store.Outcome;
import io.virtflow.agent.store.RecordedEvent;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.ErrorCode;
import io.virtflow.schema.EventDetail;
import io.virtflow.schema.EventType;
import io.virtflow.schema.Start;
import io.virtflow.schema.StateReason;

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

  @Test
  void aStatusRepeatsTheCommandsIdentityAndSurvivesTheWire() {
    Command command = Command.newBuilder().setCommandId("c1").setDomainId("d1").setHostId("h1")
        .setIssuedAt(Instant.EPOCH).setDeadline(Instant.EPOCH).setPrincipal("alice").setIdempotencyKey("k")
        .setRequestHash("h").setPayload(new Start(false)).build();
    CommandRef ref = Messages.refOf(command);
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
