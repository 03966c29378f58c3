package io.virtflow.gateway.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.Test;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** The command book's order by age ({@code GET /v1/commands}), through late statuses and eviction. */
class CommandBookTest {
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

  private static StatusUpdate update(String id, Phase phase, int second, String operation) {
    return new StatusUpdate(id, "d-" + id, "h1", operation, phase, null, null, null, T0.plusSeconds(second),
        "anonymous", null, null, null, null);
  }

  private static List<String> newestFirst(CommandBook book) {
    return StreamSupport.stream(book.newestFirst().spliterator(), false).map(CommandTrack::commandId).toList();
  }

  @Property
  void inAnyArrivalOrderTheBookListsCommandsByWhenTheyBegan(@ForAll long seed) {
    List<StatusUpdate> updates = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      String id = String.format("c%02d", i);
      updates.add(update(id, Phase.ACCEPTED, 10 * i, "Start"));
      updates.add(update(id, Phase.RUNNING, 10 * i + 3, "Start"));
      updates.add(update(id, Phase.SUCCEEDED, 10 * i + 500, "Start"));
    }
    Collections.shuffle(updates, new Random(seed));
    CommandBook book = new CommandBook(1000);
    updates.forEach(book::apply);
    List<String> expected = new ArrayList<>();
    for (int i = 29; i >= 0; i--) {
      expected.add(String.format("c%02d", i));
    }
    assertThat(newestFirst(book)).containsExactlyElementsOf(expected);
    assertThat(book.find("c07").orElseThrow().since()).isEqualTo(T0.plusSeconds(70));
  }

  @Test
  void aLateEarlierStatusMovesACommandBackToWhenItReallyBegan() {
    CommandBook book = new CommandBook(10);
    book.apply(update("a", Phase.ACCEPTED, 5, "Start"));
    book.apply(update("b", Phase.RUNNING, 10, "Start"));
    assertThat(newestFirst(book)).containsExactly("b", "a");
    // b's ACCEPTED, read after its RUNNING, says it began before a.
    book.apply(update("b", Phase.ACCEPTED, 1, "Start"));
    assertThat(newestFirst(book)).containsExactly("a", "b");
    assertThat(book.find("b").orElseThrow().since()).isEqualTo(T0.plusSeconds(1));
  }

  @Test
  void forgottenCommandsLeaveTheOrderToo() {
    CommandBook book = new CommandBook(2);
    for (int i = 0; i < 5; i++) {
      book.apply(update("c" + i, Phase.ACCEPTED, i, "Start"));
      book.apply(update("c" + i, Phase.SUCCEEDED, i + 100, "Start"));
    }
    assertThat(newestFirst(book)).containsExactly("c4", "c3");
    assertThat(book.size()).isEqualTo(2);
  }

  @Test
  void aCommandIsCancellableWhileItRunsOnAKnownHostAndIsNoSnapshotRequest() {
    CommandBook book = new CommandBook(10);
    assertThat(book.apply(update("s", Phase.RUNNING, 0, "Start")).track().cancellable()).isTrue();
    assertThat(book.apply(update("s", Phase.SUCCEEDED, 1, "Start")).track().cancellable()).isFalse();
    assertThat(book.apply(update("snap", Phase.ACCEPTED, 0, "CreateSnapshot")).track().cancellable()).isFalse();
    CommandTrack nowhere = book.apply(new StatusUpdate("n", "d", null, "Start", Phase.ACCEPTED, null, null, null, T0,
        "anonymous", null, null, null, null)).track();
    assertThat(nowhere.cancellable()).isFalse();
  }
}
