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
  void whatAReplacedInstanceWritesAfterTheNewOneStartedIsDropped() {
    assertThat(fence.admit("h1", 1L, 100)).isTrue();
    fence.started("h1", 2, 200);
    assertThat(fence.admit("h1", 1L, 250)).as("written after epoch 2 started").isFalse();
    assertThat(fence.admit("h1", 2L, 260)).isTrue();
    assertThat(fence.newest("h1")).isEqualTo(2);
  }

  @Test
  void whatAReplacedInstanceWroteBeforeTheNewOneStartedIsHistoryAndKept() {
    // Replaying a topic from the beginning after a restart: the new epoch may be known first.
    fence.started("h1", 2, 200);
    assertThat(fence.admit("h1", 1L, 150)).isTrue();
  }

  @Test
  void withoutAHeartbeatTheNewInstancesFirstRecordMarksItsStart() {
    assertThat(fence.admit("h1", 2L, 300)).isTrue();
    assertThat(fence.admit("h1", 1L, 299)).isTrue();
    assertThat(fence.admit("h1", 1L, 300)).isFalse();
    fence.started("h1", 2, 250);
    assertThat(fence.admit("h1", 1L, 280)).as("the heartbeat's startedAt is earlier").isFalse();
  }

  @Test
  void anOlderHeartbeatChangesNothing() {
    fence.started("h1", 3, 500);
    fence.started("h1", 2, 100);
    assertThat(fence.newest("h1")).isEqualTo(3);
    assertThat(fence.admit("h1", 2L, 400)).isTrue();
    assertThat(fence.admit("h1", 2L, 600)).isFalse();
  }

  @Test
  void hostsAreFencedIndependently() {
    fence.started("h1", 5, 100);
    assertThat(fence.admit("h2", 1L, 1_000)).isTrue();
    assertThat(fence.newest("h2")).isEqualTo(1);
  }

  @Test
  void recordsWithoutAnEpochOrAHostAreAlwaysAdmitted() {
    fence.started("h1", 5, 100);
    assertThat(fence.admit("h1", null, 1_000)).isTrue();
    assertThat(fence.admit(null, 1L, 1_000)).isTrue();
    assertThat(fence.newest("h1")).isEqualTo(5);
    assertThat(fence.newest("h9")).isZero();
  }

  @Property
  void aRecordIsDroppedExactlyWhenANewerInstanceHadStartedBeforeItWasWritten(
      @ForAll @Size(max = 40) java.util.List<@LongRange(min = 1, max = 4) Long> epochs) {
    EpochFence f = new EpochFence();
    // Epoch e starts at time 100 * e; records come in time order, each at its own time.
    long time = 0;
    long highestStarted = 0;
    for (long e : epochs) {
      time += 7;
      long at = Math.max(time, 100 * e);
      time = at;
      boolean admitted = f.admit("h", e, at);
      // Epochs seen so far: a newer one that started at or before this record makes it stale.
      boolean stale = highestStarted > e && 100 * highestStarted <= at;
      assertThat(admitted).as("epoch %d at %d, newest started %d", e, at, highestStarted).isEqualTo(!stale);
      highestStarted = Math.max(highestStarted, e);
    }
  }
}
