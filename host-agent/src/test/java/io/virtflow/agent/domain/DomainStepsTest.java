package io.virtflow.agent.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class DomainStepsTest {
  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  private static Domain web1(State state, boolean guestAgent, boolean frozen) {
    return new Domain("0b8d6f3c-3a57-4d8e-9f65-3c0b8a1e2f40", "web1", state, Reason.UNKNOWN, 1, 512, List.of(),
        guestAgent, frozen, 3, "alice", T0);
  }

  private static DiskStep start(boolean paused) {
    return new DiskStep(DiskStep.Kind.START_DOMAIN, null, null, null, null, null, paused);
  }

  private static String describe(DomainSteps.Answer answer) {
    if (answer instanceof DomainSteps.Move m) {
      return m.transition().state() + "/" + m.transition().reason() + " " + m.transition().events().stream()
          .map(e -> e.type() + "/" + e.detail() + ">" + e.state() + "/" + e.reason()).toList();
    }
    if (answer instanceof DomainSteps.Refused r) {
      return r.fault().name();
    }
    return answer instanceof DomainSteps.Done ? "done" : answer.toString();
  }

  @ParameterizedTest(name = "{0} from {1}: {2}")
  @CsvSource(delimiter = '|', value = {
      "STOP_DOMAIN         | RUNNING     | SHUTOFF/FROM_SNAPSHOT [STOPPED/FROM_SNAPSHOT>SHUTOFF/FROM_SNAPSHOT]",
      "STOP_DOMAIN         | PAUSED      | SHUTOFF/FROM_SNAPSHOT [STOPPED/FROM_SNAPSHOT>SHUTOFF/FROM_SNAPSHOT]",
      "STOP_DOMAIN         | CRASHED     | SHUTOFF/FROM_SNAPSHOT [STOPPED/FROM_SNAPSHOT>SHUTOFF/FROM_SNAPSHOT]",
      "STOP_DOMAIN         | SHUTOFF     | done",
      "START_DOMAIN        | SHUTOFF     | RUNNING/FROM_SNAPSHOT [STARTED/FROM_SNAPSHOT>RUNNING/FROM_SNAPSHOT]",
      "START_DOMAIN        | CRASHED     | RUNNING/FROM_SNAPSHOT [STARTED/FROM_SNAPSHOT>RUNNING/FROM_SNAPSHOT]",
      "START_DOMAIN        | RUNNING     | done",
      "START_DOMAIN        | PAUSED      | OPERATION_INVALID",
      "START_DOMAIN_PAUSED | SHUTOFF     | PAUSED/FROM_SNAPSHOT [STARTED/FROM_SNAPSHOT>RUNNING/FROM_SNAPSHOT, "
          + "SUSPENDED/FROM_SNAPSHOT>PAUSED/FROM_SNAPSHOT]",
      "START_DOMAIN_PAUSED | PAUSED      | done",
      "START_DOMAIN_PAUSED | RUNNING     | OPERATION_INVALID",
      "START_DOMAIN        | PMSUSPENDED | OPERATION_INVALID",
  })
  void powerStepsFollowTheirTable(String step, State from, String expected) {
    DiskStep s = step.equals("START_DOMAIN_PAUSED") ? start(true)
        : step.equals("START_DOMAIN") ? start(false) : DiskStep.of(DiskStep.Kind.valueOf(step));
    assertThat(describe(DomainSteps.answer(web1(from, true, false), s))).isEqualTo(expected);
  }

  @Test
  void aRefusedStartNamesTheDomainAndItsState() {
    assertThat(DomainSteps.answer(web1(State.PAUSED, true, false), start(false)))
        .isEqualTo(new DomainSteps.Refused(Fault.OPERATION_INVALID,
            "cannot start domain 'web1' from a snapshot: it is paused"));
  }

  @Test
  void freezeNeedsARunningDomainWithAGuestAgent() {
    DiskStep freeze = DiskStep.of(DiskStep.Kind.FREEZE);
    assertThat(DomainSteps.answer(web1(State.RUNNING, true, false), freeze)).isInstanceOf(DomainSteps.Freeze.class)
        .extracting(a -> ((DomainSteps.Freeze) a).frozen()).isEqualTo(true);
    assertThat(describe(DomainSteps.answer(web1(State.RUNNING, true, true), freeze))).isEqualTo("done");
    assertThat(DomainSteps.answer(web1(State.RUNNING, false, false), freeze)).isEqualTo(new DomainSteps.Refused(
        Fault.OPERATION_UNSUPPORTED, "cannot freeze the filesystems of domain 'web1': it has no guest agent"));
    assertThat(DomainSteps.answer(web1(State.SHUTOFF, true, false), freeze)).isEqualTo(new DomainSteps.Refused(
        Fault.OPERATION_INVALID, "cannot freeze the filesystems of domain 'web1': it is shut off"));
  }

  @Test
  void thawIsDoneWhenNothingIsFrozen() {
    DiskStep thaw = DiskStep.of(DiskStep.Kind.THAW);
    assertThat(DomainSteps.answer(web1(State.RUNNING, true, true), thaw)).isInstanceOf(DomainSteps.Freeze.class)
        .extracting(a -> ((DomainSteps.Freeze) a).frozen()).isEqualTo(false);
    assertThat(describe(DomainSteps.answer(web1(State.RUNNING, true, false), thaw))).isEqualTo("done");
    assertThat(describe(DomainSteps.answer(web1(State.SHUTOFF, true, false), thaw))).isEqualTo("done");
    assertThat(describe(DomainSteps.answer(web1(State.PAUSED, true, true), thaw))).isEqualTo("OPERATION_INVALID");
  }

  @Test
  void aStoppedGuestIsNoLongerFrozen() {
    Domain frozen = web1(State.RUNNING, true, true);
    DomainSteps.Move stop = (DomainSteps.Move) DomainSteps.answer(frozen, DiskStep.of(DiskStep.Kind.STOP_DOMAIN));
    Domain after = frozen.after(stop.transition(), T0);
    assertThat(after.frozen()).isFalse();
    assertThat(after.version()).isEqualTo(4);
  }

  @Test
  void theEventsOfAPowerStepCutOffByACrashFollowFromTheStateBefore() {
    assertThat(DomainSteps.impliedEvents(start(true), "web1", State.SHUTOFF, Reason.FROM_SNAPSHOT))
        .extracting(e -> e.type() + "/" + e.detail())
        .containsExactly("STARTED/FROM_SNAPSHOT", "SUSPENDED/FROM_SNAPSHOT");
    assertThat(DomainSteps.impliedEvents(DiskStep.of(DiskStep.Kind.STOP_DOMAIN), "web1", State.RUNNING, Reason.BOOTED))
        .extracting(e -> e.type() + "/" + e.detail()).containsExactly("STOPPED/FROM_SNAPSHOT");
    assertThat(DomainSteps.impliedEvents(DiskStep.of(DiskStep.Kind.FREEZE), "web1", State.RUNNING, Reason.BOOTED))
        .isEmpty();
  }
}
