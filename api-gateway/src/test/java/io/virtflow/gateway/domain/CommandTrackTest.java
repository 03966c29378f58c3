package io.virtflow.gateway.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class CommandTrackTest {
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

  private static StatusUpdate update(String id, Phase phase, int second) {
    return new StatusUpdate(id, "d", "h", "Start", phase, phase == Phase.FAILED ? "DRIVER_ERROR" : null, null, null,
        T0.plusSeconds(second), "anonymous", null, null, null, null);
  }

  @Property
  void inAnyArrivalOrderTheStatusEndsTerminalWithTheHistoryInRankOrder(@ForAll("terminal") Phase end,
      @ForAll long seed) {
    List<StatusUpdate> updates = new ArrayList<>(List.of(update("c", Phase.ACCEPTED, 0), update("c", Phase.RUNNING, 1),
        update("c", end, 2)));
    Collections.shuffle(updates, new Random(seed));
    CommandTrack t = new CommandTrack("c");
    updates.forEach(t::apply);
    updates.forEach(t::apply);
    assertThat(t.phase()).isEqualTo(end);
    assertThat(t.updatedAt()).isEqualTo(T0.plusSeconds(2));
    assertThat(t.history()).extracting(CommandTrack.Step::phase).containsExactly(Phase.ACCEPTED, Phase.RUNNING, end);
  }

  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<Phase> terminal() {
    return net.jqwik.api.Arbitraries.of(Phase.values()).filter(Phase::terminal);
  }

  @Test
  void neverMovesBackwards() {
    CommandTrack t = new CommandTrack("c");
    assertThat(t.apply(update("c", Phase.SUCCEEDED, 5))).isEqualTo(CommandTrack.Outcome.ADVANCED);
    assertThat(t.apply(update("c", Phase.RUNNING, 3))).isEqualTo(CommandTrack.Outcome.LATE);
    assertThat(t.apply(update("c", Phase.ACCEPTED, 1))).isEqualTo(CommandTrack.Outcome.LATE);
    assertThat(t.phase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(t.updatedAt()).isEqualTo(T0.plusSeconds(5));
  }

  @Test
  void theFirstTerminalStatusWins() {
    CommandTrack t = new CommandTrack("c");
    t.apply(update("c", Phase.CANCELLED, 1));
    assertThat(t.apply(update("c", Phase.FAILED, 2))).isEqualTo(CommandTrack.Outcome.IGNORED);
    assertThat(t.phase()).isEqualTo(Phase.CANCELLED);
    assertThat(t.code()).isNull();
    assertThat(t.history()).extracting(CommandTrack.Step::phase).containsExactly(Phase.CANCELLED);
  }

  @Test
  void identityIsFilledFromWhicheverStatusCarriesIt() {
    CommandTrack t = new CommandTrack("c");
    t.apply(new StatusUpdate("c", null, null, null, Phase.RUNNING, null, null, null, T0, null, null, null, null, null));
    t.apply(new StatusUpdate("c", "d", "h", "Define", Phase.ACCEPTED, null, null, null, T0, "p", "k", "hash", null, null));
    assertThat(t.domainId()).isEqualTo("d");
    assertThat(t.hostId()).isEqualTo("h");
    assertThat(t.operation()).isEqualTo("Define");
    assertThat(t.idempotencyKey()).isEqualTo("k");
    assertThat(t.requestHash()).isEqualTo("hash");
    assertThat(t.phase()).isEqualTo(Phase.RUNNING);
  }

  @Test
  void theBookForgetsTheOldestFinishedCommandsFirst() {
    CommandBook book = new CommandBook(2);
    book.apply(update("running", Phase.RUNNING, 0));
    for (int i = 0; i < 4; i++) {
      assertThat(book.apply(update("done-" + i, Phase.SUCCEEDED, i)).becameTerminal()).isTrue();
    }
    assertThat(book.find("running")).isPresent();
    assertThat(book.find("done-0")).isEmpty();
    assertThat(book.find("done-1")).isEmpty();
    assertThat(book.find("done-2")).isPresent();
    assertThat(book.find("done-3")).isPresent();
  }

  @Property
  void theBookStaysWithinTwiceItsCap(@ForAll @IntRange(min = 1, max = 20) int cap,
      @ForAll @IntRange(min = 0, max = 200) int unfinished, @ForAll @IntRange(min = 0, max = 200) int finished) {
    CommandBook book = new CommandBook(cap);
    for (int i = 0; i < unfinished; i++) {
      book.apply(update("u" + i, Phase.ACCEPTED, i));
    }
    for (int i = 0; i < finished; i++) {
      book.apply(update("f" + i, Phase.TIMED_OUT, i));
    }
    assertThat(book.size()).isLessThanOrEqualTo(2 * cap);
    if (finished > 0) {
      assertThat(book.find("f" + (finished - 1))).isPresent();
    }
  }

  @Test
  void becameTerminalIsReportedOnce() {
    CommandBook book = new CommandBook(10);
    assertThat(book.apply(update("c", Phase.FAILED, 1)).becameTerminal()).isTrue();
    assertThat(book.apply(update("c", Phase.FAILED, 1)).becameTerminal()).isFalse();
    assertThat(book.apply(update("c", Phase.RUNNING, 0)).becameTerminal()).isFalse();
  }
}
