package io.virtflow.agent.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class ObservationsTest {
  private static Domain domain(State state, Reason reason, long version) {
    return new Domain("7b1a3f4e-0000-4000-8000-000000000001", "web1", state, reason, 1, 128, List.of(), false,
        false, version, "alice", Instant.EPOCH);
  }

  private static List<String> between(Domain known, Domain now, Event hint) {
    return Observations.between(Optional.ofNullable(known), Optional.ofNullable(now), Optional.ofNullable(hint))
        .stream().map(e -> e.type() + "/" + e.detail() + " -> " + e.state() + "/" + e.reason()).toList();
  }

  @Test
  void nothingChangedMeansNoEvent() {
    assertThat(between(domain(State.RUNNING, Reason.BOOTED, 2), domain(State.RUNNING, Reason.BOOTED, 2), null)).isEmpty();
    assertThat(between(null, null, null)).isEmpty();
  }

  @Test
  void withoutAHintTheEventIsDerivedFromTheStatesAsLibvirtNamesIt() {
    Domain running = domain(State.RUNNING, Reason.BOOTED, 2);
    assertThat(between(running, domain(State.SHUTOFF, Reason.SHUTDOWN, 3), null))
        .containsExactly("STOPPED/SHUTDOWN -> SHUTOFF/SHUTDOWN");
    assertThat(between(running, domain(State.SHUTOFF, Reason.DESTROYED, 3), null))
        .containsExactly("STOPPED/DESTROYED -> SHUTOFF/DESTROYED");
    assertThat(between(running, domain(State.SHUTOFF, Reason.CRASHED, 3), null))
        .containsExactly("STOPPED/CRASHED -> SHUTOFF/CRASHED");
    assertThat(between(running, domain(State.CRASHED, Reason.PANICKED, 3), null))
        .containsExactly("CRASHED/PANICKED -> CRASHED/PANICKED");
    assertThat(between(running, domain(State.PAUSED, Reason.IOERROR, 3), null))
        .containsExactly("SUSPENDED/IOERROR -> PAUSED/IOERROR");
    assertThat(between(domain(State.PAUSED, Reason.USER, 2), domain(State.RUNNING, Reason.UNPAUSED, 3), null))
        .containsExactly("RESUMED/UNPAUSED -> RUNNING/UNPAUSED");
    assertThat(between(domain(State.SHUTOFF, Reason.SHUTDOWN, 2), domain(State.RUNNING, Reason.BOOTED, 3), null))
        .containsExactly("STARTED/BOOTED -> RUNNING/BOOTED");
  }

  @Test
  void aHintThatAgreesWithTheObservedStateIsUsedOneThatDoesNotIsNot() {
    Domain running = domain(State.RUNNING, Reason.BOOTED, 2);
    Event hint = new Event(Event.Type.STOPPED, Event.Detail.FAILED, State.SHUTOFF, Reason.FAILED);
    assertThat(between(running, domain(State.SHUTOFF, Reason.FAILED, 3), hint))
        .containsExactly("STOPPED/FAILED -> SHUTOFF/FAILED");
    // A late hint (the domain was started again since): the event comes from what is observed now.
    assertThat(between(domain(State.PAUSED, Reason.USER, 2), domain(State.RUNNING, Reason.UNPAUSED, 4), hint))
        .containsExactly("RESUMED/UNPAUSED -> RUNNING/UNPAUSED");
  }

  @Test
  void aDomainThatAppearsOrGoesIsDefinedOrUndefined() {
    assertThat(between(null, domain(State.SHUTOFF, Reason.UNKNOWN, 1), null))
        .containsExactly("DEFINED/ADDED -> SHUTOFF/UNKNOWN");
    assertThat(between(null, domain(State.RUNNING, Reason.BOOTED, 1), null))
        .containsExactly("DEFINED/ADDED -> SHUTOFF/UNKNOWN", "STARTED/BOOTED -> RUNNING/BOOTED");
    assertThat(between(domain(State.SHUTOFF, Reason.SHUTDOWN, 4), null, null))
        .containsExactly("UNDEFINED/REMOVED -> SHUTOFF/SHUTDOWN");
  }

  @Test
  void aGuestBeingShutDownIsOnItsWayNotArrived() {
    assertThat(Observations.passing(Optional.of(domain(State.SHUTDOWN, Reason.USER, 3)))).isTrue();
    assertThat(Observations.passing(Optional.of(domain(State.SHUTOFF, Reason.SHUTDOWN, 3)))).isFalse();
    assertThat(Observations.passing(Optional.empty())).isFalse();
  }
}
