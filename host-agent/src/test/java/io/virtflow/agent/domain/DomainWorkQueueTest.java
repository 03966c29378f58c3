package io.virtflow.agent.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class DomainWorkQueueTest {
  private final DomainWorkQueue<String> queue = new DomainWorkQueue<>(2);

  private void add(String domain, String command) {
    queue.add(new DomainWorkQueue.Entry<>(domain, command, command));
  }

  private List<String> take() {
    return queue.takeRunnable().stream().map(DomainWorkQueue.Entry::commandId).toList();
  }

  @Test
  void oneDomainRunsOneEntryAtATimeInArrivalOrder() {
    add("a", "a1");
    add("a", "a2");
    add("a", "a3");

    assertThat(take()).containsExactly("a1");
    assertThat(take()).isEmpty();
    queue.finished("a");
    assertThat(take()).containsExactly("a2");
    queue.finished("a");
    assertThat(take()).containsExactly("a3");
    queue.finished("a");
    assertThat(take()).isEmpty();
    assertThat(queue.queued()).isZero();
  }

  @Test
  void domainsRunSideBySideUpToTheBoundInTheOrderTheyBecameReady() {
    add("a", "a1");
    add("b", "b1");
    add("c", "c1");
    add("a", "a2");

    assertThat(take()).containsExactly("a1", "b1");
    assertThat(queue.runningDomains()).isEqualTo(2);
    queue.finished("a");
    // c became ready before a did again.
    assertThat(take()).containsExactly("c1");
    queue.finished("b");
    assertThat(take()).containsExactly("a2");
  }

  @Test
  void aQueuedEntryCanBeCancelledARunningOneCannot() {
    add("a", "a1");
    add("a", "a2");
    add("b", "b1");
    assertThat(take()).containsExactly("a1", "b1");

    assertThat(queue.cancelQueued("a1")).isEmpty();
    assertThat(queue.isRunning("a1")).isTrue();
    assertThat(queue.isQueued("a2")).isTrue();
    assertThat(queue.cancelQueued("a2")).extracting(DomainWorkQueue.Entry::item).containsExactly("a2");
    assertThat(queue.isQueued("a2")).isFalse();
    assertThat(queue.queued()).isZero();

    queue.finished("a");
    assertThat(take()).isEmpty();
  }

  @Test
  void cancellingTheLastEntryOfAReadyDomainTakesItOutOfTheReadyLine() {
    add("a", "a1");
    add("b", "b1");
    add("c", "c1");
    assertThat(queue.cancelQueued("a1")).hasSize(1);
    assertThat(take()).containsExactly("b1", "c1");
  }

  @Test
  void clearingHandsBackEveryQueuedEntry() {
    add("a", "a1");
    add("a", "a2");
    add("b", "b1");
    assertThat(take()).containsExactly("a1", "b1");
    assertThat(queue.clearQueued()).extracting(DomainWorkQueue.Entry::commandId).containsExactly("a2");
    queue.finished("a");
    assertThat(take()).isEmpty();
  }

  @Test
  void finishingADomainThatDoesNotRunIsABug() {
    assertThatThrownBy(() -> queue.finished("x")).isInstanceOf(IllegalStateException.class);
  }
}
