package io.virtflow.gateway.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Set;

import org.junit.jupiter.api.Test;

class PendingDefinesTest {
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  private static final Instant DEADLINE = T0.plusSeconds(300);

  private final PendingDefines pending = new PendingDefines();

  @Test
  void aReservedNameIsTakenAtOnceButAddressableOnlyOnceAcknowledged() {
    pending.reserve("c1", "d1", "web", "h1", 1024, DEADLINE);
    assertThat(pending.nameTaken("web")).isTrue();
    assertThat(pending.byName("web")).isEmpty();
    assertThat(pending.byDomainId("d1")).isEmpty();
    assertThatThrownBy(() -> pending.reserve("c2", "d2", "web", "h1", 1, DEADLINE))
        .isInstanceOf(IllegalStateException.class);

    pending.acknowledged("c1");
    assertThat(pending.byName("web")).hasValueSatisfying(p -> assertThat(p.hostId()).isEqualTo("h1"));
    assertThat(pending.byDomainId("d1")).isPresent();
  }

  @Test
  void aDefineThatCouldNotBePublishedLeavesNothing() {
    pending.reserve("c1", "d1", "web", "h1", 1024, DEADLINE);
    pending.release("c1");
    assertThat(pending.nameTaken("web")).isFalse();
    assertThat(pending.reservedMiB("h1", null)).isZero();
    assertThat(pending.size()).isZero();
  }

  @Test
  void aDefineThatEndsOtherThanSucceededIsForgotten() {
    pending.reserve("c1", "d1", "web", "h1", 1024, DEADLINE);
    pending.acknowledged("c1");
    pending.ended("c1", false, T0.plusSeconds(1));
    assertThat(pending.nameTaken("web")).isFalse();
    assertThat(pending.byName("web")).isEmpty();
  }

  @Test
  void memoryStaysReservedUntilAHeartbeatNewerThanTheSuccessShowsIt() {
    pending.reserve("c1", "d1", "web", "h1", 1024, DEADLINE);
    pending.acknowledged("c1");
    assertThat(pending.reservedMiB("h1", T0)).isEqualTo(1024);
    assertThat(pending.reservedMiB("h2", T0)).isZero();
    pending.ended("c1", true, T0.plusSeconds(5));
    assertThat(pending.reservedMiB("h1", T0.plusSeconds(4))).isEqualTo(1024);
    assertThat(pending.reservedMiB("h1", T0.plusSeconds(5))).isZero();
  }

  @Test
  void sweepForgetsWhatIsSettledAndKeepsTheRest() {
    pending.reserve("c1", "d1", "settled", "h1", 1, DEADLINE);
    pending.reserve("c2", "d2", "no-heartbeat-yet", "h1", 1, DEADLINE);
    pending.reserve("c3", "d3", "not-projected-yet", "h1", 1, DEADLINE);
    pending.reserve("c4", "d4", "running", "h1", 1, DEADLINE);
    for (String c : Set.of("c1", "c2", "c3", "c4")) {
      pending.acknowledged(c);
    }
    pending.ended("c1", true, T0.plusSeconds(1));
    pending.ended("c2", true, T0.plusSeconds(10));
    pending.ended("c3", true, T0.plusSeconds(1));
    pending.sweep(T0.plusSeconds(6), h -> T0.plusSeconds(5), d -> !d.equals("d3"));
    assertThat(pending.all()).extracting(PendingDefines.Pending::name)
        .containsExactlyInAnyOrder("no-heartbeat-yet", "not-projected-yet", "running");
  }

  @Test
  void sweepForgetsAcknowledgedDefinesPastTheirDeadline() {
    pending.reserve("c1", "d1", "late", "h1", 1, DEADLINE);
    pending.acknowledged("c1");
    pending.reserve("c2", "d2", "in-flight", "h1", 1, DEADLINE);
    pending.sweep(DEADLINE.plusMillis(1), h -> null, d -> false);
    assertThat(pending.nameTaken("late")).isFalse();
    assertThat(pending.nameTaken("in-flight")).isTrue();
  }

  @Test
  void aRemovedDomainForgetsItsPendingDefine() {
    pending.reserve("c1", "d1", "web", "h1", 1, DEADLINE);
    pending.acknowledged("c1");
    pending.domainRemoved("d1");
    assertThat(pending.nameTaken("web")).isFalse();
  }
}
