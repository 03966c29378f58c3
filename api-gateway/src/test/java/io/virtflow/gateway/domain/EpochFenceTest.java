package io.virtflow.gateway.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

class EpochFenceTest {
  private final EpochFence fence = new EpochFence();

  @Test
  void recordsOfAReplacedInstanceAreDroppedOnceANewerOneWasSeen() {
    assertThat(fence.admit("h1", 1L)).isTrue();
    assertThat(fence.admit("h1", 2L)).isTrue();
    assertThat(fence.admit("h1", 1L)).as("stale: epoch 2 took over").isFalse();
    assertThat(fence.admit("h1", 2L)).isTrue();
    assertThat(fence.newest("h1")).isEqualTo(2);
  }

  @Test
  void hostsAreFencedIndependently() {
    fence.admit("h1", 5L);
    assertThat(fence.admit("h2", 1L)).isTrue();
    assertThat(fence.newest("h2")).isEqualTo(1);
  }

  @Test
  void recordsWithoutAnEpochOrAHostAreAlwaysAdmitted() {
    fence.admit("h1", 5L);
    assertThat(fence.admit("h1", null)).isTrue();
    assertThat(fence.admit(null, 1L)).isTrue();
    assertThat(fence.newest("h1")).isEqualTo(5);
  }

  @Test
  void anUnknownHostHasNoNewestEpoch() {
    assertThat(fence.newest("h9")).isZero();
  }

  @Property
  void anAdmittedRecordIsNeverOlderThanOneAdmittedBefore(
      @ForAll @Size(max = 50) java.util.List<@LongRange(min = 1, max = 6) Long> epochs) {
    EpochFence f = new EpochFence();
    long highest = 0;
    for (long e : epochs) {
      boolean admitted = f.admit("h", e);
      assertThat(admitted).isEqualTo(e >= highest);
      highest = Math.max(highest, e);
    }
  }
}
