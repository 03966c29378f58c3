package io.virtflow.agent.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every operation in every state, against libvirt's table written out again here, independently. */
class LifecycleTest {

  /** request | legal in | ends in (or "gone") | events as TYPE/DETAIL>STATE/REASON. */
  private static final List<String> SPEC = List.of(
      "start           | SHUTOFF CRASHED                               | RUNNING/BOOTED    | STARTED/BOOTED>RUNNING/BOOTED",
      "start(paused)   | SHUTOFF CRASHED                               | PAUSED/USER       | STARTED/BOOTED>RUNNING/BOOTED SUSPENDED/PAUSED>PAUSED/USER",
      "shutdown        | RUNNING PAUSED BLOCKED PMSUSPENDED            | SHUTOFF/SHUTDOWN  | STOPPED/SHUTDOWN>SHUTOFF/SHUTDOWN",
      "reboot          | RUNNING BLOCKED                               | RUNNING/BOOTED    | REBOOTED/NONE>RUNNING/BOOTED",
      "reboot          | PAUSED                                        | RUNNING/BOOTED    | RESUMED/UNPAUSED>RUNNING/UNPAUSED REBOOTED/NONE>RUNNING/BOOTED",
      "destroy         | RUNNING PAUSED BLOCKED SHUTDOWN PMSUSPENDED CRASHED | SHUTOFF/DESTROYED | STOPPED/DESTROYED>SHUTOFF/DESTROYED",
      "suspend         | RUNNING BLOCKED                               | PAUSED/USER       | SUSPENDED/PAUSED>PAUSED/USER",
      "resume          | PAUSED                                        | RUNNING/UNPAUSED  | RESUMED/UNPAUSED>RUNNING/UNPAUSED",
      "undefine        | SHUTOFF CRASHED                               | gone              | UNDEFINED/REMOVED>=",
      "undefine(force) | SHUTOFF CRASHED                               | gone              | UNDEFINED/REMOVED>=",
      "undefine(force) | RUNNING PAUSED BLOCKED SHUTDOWN PMSUSPENDED   | gone              | STOPPED/DESTROYED>SHUTOFF/DESTROYED UNDEFINED/REMOVED>SHUTOFF/DESTROYED");

  private record Expected(String endsIn, String events) {
  }

  private static final Map<String, Expected> LEGAL = new HashMap<>();

  static {
    for (String line : SPEC) {
      String[] cols = line.split("\\|");
      for (String state : cols[1].trim().split("\\s+")) {
        LEGAL.put(cols[0].trim() + "@" + state, new Expected(cols[2].trim(), cols[3].trim()));
      }
    }
  }

  static List<Request> requests() {
    List<Request> out = new ArrayList<>();
    for (Operation op : Operation.values()) {
      if (op != Operation.DEFINE) {
        out.add(Request.of(op));
      }
    }
    out.add(Request.startPaused());
    out.add(Request.undefine(true));
    return out;
  }

  static Stream<Arguments> everyRequestInEveryState() {
    return requests().stream().flatMap(r -> Arrays.stream(State.values()).map(s -> Arguments.of(r, s)));
  }

  @ParameterizedTest(name = "{0} in {1}")
  @MethodSource("everyRequestInEveryState")
  void everyOperationInEveryStateFollowsLibvirtsTable(Request request, State state) {
    Transition t = Lifecycle.apply("web1", state, Reason.UNKNOWN, request);
    Expected expected = LEGAL.get(request + "@" + state);

    if (expected == null) {
      assertThat(t).isInstanceOf(Transition.Rejected.class);
      Transition.Rejected rejected = (Transition.Rejected) t;
      assertThat(rejected.fault()).isEqualTo(Fault.OPERATION_INVALID);
      assertThat(rejected.current()).contains(state);
      assertThat(rejected.message())
          .startsWith("cannot " + request.operation().verb() + " domain 'web1': it is " + state.description());
      return;
    }
    assertThat(t).isInstanceOf(Transition.Accepted.class);
    Transition.Accepted accepted = (Transition.Accepted) t;
    if (expected.endsIn().equals("gone")) {
      assertThat(accepted.removed()).isTrue();
    } else {
      assertThat(accepted.removed()).isFalse();
      assertThat(accepted.state() + "/" + accepted.reason()).isEqualTo(expected.endsIn());
    }
    String stateBefore = state + "/" + Reason.UNKNOWN;
    String events = String.join(" ", accepted.events().stream()
        .map(e -> e.type() + "/" + e.detail() + ">" + e.state() + "/" + e.reason())
        .toList());
    assertThat(events).isEqualTo(expected.events().replace(">=", ">" + stateBefore));
    Event last = accepted.events().get(accepted.events().size() - 1);
    assertThat(last.state()).isEqualTo(accepted.state());
    assertThat(last.reason()).isEqualTo(accepted.reason());
  }

  @Test
  void theMessageOfTheBriefReadsAsItShould() {
    Transition t = Lifecycle.apply("web1", State.RUNNING, Reason.BOOTED, Request.of(Operation.START));
    assertThat(((Transition.Rejected) t).message()).isEqualTo("cannot start domain 'web1': it is running");
    Transition r = Lifecycle.apply("web1", State.SHUTOFF, Reason.SHUTDOWN, Request.of(Operation.RESUME));
    assertThat(((Transition.Rejected) r).message()).isEqualTo("cannot resume domain 'web1': it is shut off");
  }

  @Test
  void undefineOfAnActiveDomainWithoutForceSaysHowToGoOn() {
    Transition t = Lifecycle.apply("db", State.PAUSED, Reason.USER, Request.undefine(false));
    assertThat(((Transition.Rejected) t).message())
        .isEqualTo("cannot undefine domain 'db': it is paused; destroy it first or undefine it with force");
  }

  @Test
  void defineCreatesAShutOffDomainAndOnlyOnce() {
    Transition t = Lifecycle.applyToAbsent("web1", Request.of(Operation.DEFINE));
    assertThat(t).isEqualTo(new Transition.Accepted(State.SHUTOFF, Reason.UNKNOWN, false,
        List.of(new Event(Event.Type.DEFINED, Event.Detail.ADDED, State.SHUTOFF, Reason.UNKNOWN))));

    for (State state : State.values()) {
      Transition again = Lifecycle.apply("web1", state, Reason.UNKNOWN, Request.of(Operation.DEFINE));
      assertThat(again).isEqualTo(new Transition.Rejected(Fault.OPERATION_INVALID,
          "domain 'web1' already exists", java.util.Optional.of(state)));
    }
  }

  @Test
  void everyOtherOperationOnAnAbsentDomainIsNoDomain() {
    for (Request request : requests()) {
      Transition t = Lifecycle.applyToAbsent("4f1c", request);
      assertThat(t).isInstanceOf(Transition.Rejected.class);
      assertThat(((Transition.Rejected) t).fault()).isEqualTo(Fault.NO_DOMAIN);
      assertThat(((Transition.Rejected) t).message())
          .isEqualTo("cannot " + request.operation().verb() + " domain '4f1c': no such domain on this host");
    }
  }

  @Test
  void legalInListsTheTableRow() {
    assertThat(Lifecycle.legalIn(Request.of(Operation.RESUME))).containsExactly(State.PAUSED);
    assertThat(Lifecycle.legalIn(Request.of(Operation.DEFINE))).isEmpty();
  }
}
