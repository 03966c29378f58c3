package io.virtflow.gateway.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class EventRingTest {

  private static EventRing<String> ring(int capacity) {
    return new EventRing<>(capacity, Map.of(0, 10L, 1, 20L));
  }

  @Test
  void anEmptyRingStartsAtTheReadersStart() {
    EventRing<String> r = ring(4);
    assertThat(r.next()).isZero();
    assertThat(r.oldest()).isZero();
    assertThat(r.current()).isEqualTo(Map.of(0, 10L, 1, 20L));
    assertThat(r.startFor(Map.of(0, 10L, 1, 20L))).contains(0L);
  }

  @Test
  void recordsAreKeptInOrderUpToTheCapacityAndTheFloorFollowsEvictions() {
    EventRing<String> r = ring(3);
    r.append(0, 10, "a");
    r.append(1, 20, "b");
    r.append(0, 11, "c");
    r.append(1, 21, "d");
    assertThat(r.oldest()).isEqualTo(1);
    assertThat(r.get(1).value()).isEqualTo("b");
    assertThat(r.get(3).value()).isEqualTo("d");
    assertThat(r.floor()).isEqualTo(Map.of(0, 11L, 1, 20L));
    assertThat(r.current()).isEqualTo(Map.of(0, 12L, 1, 22L));
    assertThatThrownBy(() -> r.get(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> r.get(4)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aPositionInsideTheRingIsServedAndReplayingFromItGivesExactlyTheLaterRecords() {
    EventRing<String> r = ring(8);
    r.append(0, 10, "a");
    r.append(1, 20, "b");
    r.append(0, 11, "c");
    r.append(1, 21, "d");
    Map<Integer, Long> afterB = Map.of(0, 11L, 1, 21L);
    long start = r.startFor(afterB).orElseThrow();
    List<String> seen = new ArrayList<>();
    for (long s = start; s < r.next(); s++) {
      EventRing.Entry<String> e = r.get(s);
      if (EventRing.after(e, afterB)) {
        seen.add(e.value());
      }
    }
    assertThat(seen).containsExactly("c", "d");
  }

  @Test
  void positionsOutsideTheRingAreNotServed() {
    EventRing<String> r = ring(2);
    r.append(0, 10, "a");
    r.append(0, 11, "b");
    r.append(0, 12, "c");
    // Partition 0's floor is now 11: a stream at 10 would miss "a".
    assertThat(r.startFor(Map.of(0, 10L, 1, 20L))).isEmpty();
    assertThat(r.startFor(Map.of(0, 11L, 1, 20L))).isPresent();
    // Older than the reader's start, newer than what was read, or naming other partitions.
    assertThat(r.startFor(Map.of(0, 11L, 1, 19L))).isEmpty();
    assertThat(r.startFor(Map.of(0, 14L, 1, 20L))).isEmpty();
    assertThat(r.startFor(Map.of(0, 11L))).isEmpty();
    assertThat(r.startFor(Map.of(0, 11L, 1, 20L, 2, 0L))).isEmpty();
  }

  @Test
  void aCapacityBelowOneIsRefused() {
    assertThatThrownBy(() -> new EventRing<String>(0, Map.of())).isInstanceOf(IllegalArgumentException.class);
  }
}
