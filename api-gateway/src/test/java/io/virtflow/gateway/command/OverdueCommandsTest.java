package io.virtflow.gateway.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.vertx.core.Future;
import io.virtflow.gateway.domain.CommandTrack;
import io.virtflow.gateway.domain.DefineSpec;
import io.virtflow.gateway.domain.HostView;
import io.virtflow.gateway.domain.Operation;
import io.virtflow.gateway.domain.Phase;
import io.virtflow.gateway.domain.Principal;
import io.virtflow.gateway.domain.Role;
import io.virtflow.gateway.domain.StatusUpdate;
import io.virtflow.gateway.domain.Submission;

/**
 * Commands of a host that never comes back: once their deadline (plus the host-down time, for a RUNNING
 * not yet read) has passed while they are still only ACCEPTED and their host is DOWN, the gateway ends them
 * TIMED_OUT, as their agent would if it came back. Nothing else is touched.
 */
class OverdueCommandsTest {
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
  private static final Duration DEADLINE = Duration.ofMinutes(5);
  private static final Duration DOWN_AFTER = Duration.ofSeconds(10);
  private static final Principal ADMIN = new Principal("admin", Role.ADMIN, java.util.Set.of("default"));

  /** A clock the test moves. */
  private static final class MovingClock extends Clock {
    Instant now = NOW;

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  private final MovingClock clock = new MovingClock();
  private final AtomicLong seq = new AtomicLong();
  private final CommandServiceTest.FakeSink sink = new CommandServiceTest.FakeSink();
  private final GatewayState state = new GatewayState(clock, DOWN_AFTER, 1000);
  private final CommandService service = new CommandService(state, sink, () -> new UUID(0, seq.incrementAndGet()),
      DEADLINE);

  OverdueCommandsTest() {
    heartbeat(NOW);
  }

  private void heartbeat(Instant at) {
    state.hostReported(new HostView("h1", true, 1, "sim", at, NOW, at, 8, 65536, 0, 0, 0));
  }

  /** A define placed on h1 and acknowledged by Kafka: ACCEPTED, with its deadline. */
  private CommandTrack accepted(String name) {
    Future<Accepted> answer = service.submit(new Submission(ADMIN,
        new Operation.Define(new DefineSpec(name, null, 1, 512, List.of())), null, null, "h", null));
    sink.acks.get(sink.acks.size() - 1).complete();
    CommandTrack t = state.commands().find(answer.result().commandId()).orElseThrow();
    assertThat(t.phase()).isEqualTo(Phase.ACCEPTED);
    assertThat(t.deadline()).isEqualTo(NOW.plus(DEADLINE));
    return t;
  }

  @Test
  void theAcceptedStatusCarriesTheDeadline() {
    accepted("web");
    StatusUpdate written = sink.statuses.get(0);
    assertThat(written.phase()).isEqualTo(Phase.ACCEPTED);
    assertThat(written.deadline()).isEqualTo(NOW.plus(DEADLINE));
  }

  @Test
  void aCommandOfADownHostPastItsDeadlineEndsTimedOut() {
    CommandTrack t = accepted("web");
    clock.now = NOW.plus(DEADLINE).plus(DOWN_AFTER).plusSeconds(1);
    assertThat(service.timeOutOverdue()).isEqualTo(1);
    assertThat(t.phase()).isEqualTo(Phase.TIMED_OUT);
    assertThat(t.code()).isEqualTo("TIMEOUT");
    assertThat(t.message()).contains("host h1 is down").contains("will not run");
    StatusUpdate written = sink.statuses.get(sink.statuses.size() - 1);
    assertThat(written.phase()).isEqualTo(Phase.TIMED_OUT);
    assertThat(written.commandId()).isEqualTo(t.commandId());
    // Once ended it is not swept again; the agent's own TIMED_OUT, should it come back, changes nothing.
    assertThat(service.timeOutOverdue()).isZero();
    assertThat(state.commands().unfinished()).isEmpty();
  }

  @Test
  void notBeforeTheDeadlineAndTheGraceHavePassed() {
    accepted("web");
    clock.now = NOW.plus(DEADLINE).plus(DOWN_AFTER);
    assertThat(service.timeOutOverdue()).isZero();
  }

  @Test
  void notWhileTheHostIsUp() {
    CommandTrack t = accepted("web");
    clock.now = NOW.plus(DEADLINE).plus(DOWN_AFTER).plusSeconds(1);
    heartbeat(clock.now);
    assertThat(service.timeOutOverdue()).isZero();
    assertThat(t.phase()).isEqualTo(Phase.ACCEPTED);
  }

  @Test
  void notOnceItsAgentSaidRunning() {
    CommandTrack t = accepted("web");
    state.statusReported(new StatusUpdate(t.commandId(), t.domainId(), "h1", "Define", Phase.RUNNING, null, null,
        null, NOW.plusSeconds(1), "admin", null, null, null, null));
    clock.now = NOW.plus(DEADLINE).plus(DOWN_AFTER).plusSeconds(1);
    assertThat(service.timeOutOverdue()).isZero();
    assertThat(t.phase()).isEqualTo(Phase.RUNNING);
  }

  @Test
  void aStatusWithoutADeadlineIsNeverSwept() {
    // Written before statuses carried deadlines: nothing to judge it by.
    state.statusReported(new StatusUpdate(UUID.randomUUID().toString(), UUID.randomUUID().toString(), "h1", "Start",
        Phase.ACCEPTED, null, null, null, NOW, "admin", null, null, null, null));
    clock.now = NOW.plus(Duration.ofDays(30));
    assertThat(service.timeOutOverdue()).isZero();
  }
}
