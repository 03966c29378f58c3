package io.virtflow.agent.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Any sequence of operations, from any state: the domain only moves along libvirt's table, and a refused
 * operation leaves it exactly where it was.
 */
class LifecyclePropertiesTest {

  /** The legal source states, restated from libvirt (docs/FACTS.md and the test driver), per request. */
  private static final Map<String, Set<State>> LEGAL_FROM = Map.of(
      "start", EnumSet.of(State.SHUTOFF, State.CRASHED),
      "start(paused)", EnumSet.of(State.SHUTOFF, State.CRASHED),
      "shutdown", EnumSet.of(State.RUNNING, State.PAUSED, State.BLOCKED, State.PMSUSPENDED),
      "reboot", EnumSet.of(State.RUNNING, State.PAUSED, State.BLOCKED),
      "destroy", EnumSet.of(State.RUNNING, State.PAUSED, State.BLOCKED, State.SHUTDOWN, State.PMSUSPENDED,
          State.CRASHED),
      "suspend", EnumSet.of(State.RUNNING, State.BLOCKED),
      "resume", EnumSet.of(State.PAUSED),
      "undefine", EnumSet.of(State.SHUTOFF, State.CRASHED),
      "undefine(force)", EnumSet.complementOf(EnumSet.of(State.NOSTATE)));

  /** Where each accepted request leaves a domain that still exists. */
  private static final Map<String, State> ENDS_IN = Map.of(
      "start", State.RUNNING, "start(paused)", State.PAUSED, "shutdown", State.SHUTOFF, "reboot", State.RUNNING,
      "destroy", State.SHUTOFF, "suspend", State.PAUSED, "resume", State.RUNNING);

  @Provide
  Arbitrary<Request> requests() {
    return Arbitraries.of(Operation.values())
        .flatMap(op -> Arbitraries.of(true, false).flatMap(a -> Arbitraries.of(true, false)
            .map(b -> new Request(op, a, b))));
  }

  @Property(tries = 1000)
  void aDomainOnlyMovesAlongTheTable(@ForAll State start, @ForAll Reason reason,
      @ForAll("sequences") List<Request> sequence) {
    State state = start;
    Reason why = reason;
    boolean exists = true;
    for (Request request : sequence) {
      Transition t = exists
          ? Lifecycle.apply("vm", state, why, request)
          : Lifecycle.applyToAbsent("vm", request);
      if (t instanceof Transition.Rejected rejected) {
        // Refused: nothing moves, and the answer says why.
        assertThat(rejected.message()).contains(request.operation() == Operation.DEFINE && exists
            ? "already exists" : "cannot " + request.operation().verb());
        if (exists) {
          assertThat(rejected.current()).contains(state);
        } else {
          assertThat(rejected.fault()).isEqualTo(Fault.NO_DOMAIN);
        }
        continue;
      }
      Transition.Accepted accepted = (Transition.Accepted) t;
      assertThat(accepted.events()).isNotEmpty();
      if (!exists) {
        assertThat(request.operation()).isEqualTo(Operation.DEFINE);
        assertThat(accepted.state()).isEqualTo(State.SHUTOFF);
      } else {
        String key = request.toString();
        assertThat(LEGAL_FROM.get(key)).as("%s is legal in %s", key, state).contains(state);
        if (request.operation() == Operation.UNDEFINE) {
          assertThat(accepted.removed()).isTrue();
        } else {
          assertThat(accepted.removed()).isFalse();
          assertThat(accepted.state()).isEqualTo(ENDS_IN.get(key));
        }
      }
      exists = !accepted.removed();
      state = accepted.state();
      why = accepted.reason();
    }
  }

  @Provide
  Arbitrary<List<Request>> sequences() {
    return requests().list().ofMaxSize(25);
  }
}
