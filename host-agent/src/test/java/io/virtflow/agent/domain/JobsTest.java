package io.virtflow.agent.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class JobsTest {
  private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
  private static final Instant LATER = NOW.plus(Duration.ofMinutes(10));
  private static final String D = "0b8d6f3c-3a57-4d8e-9f65-3c0b8a1e2f40";
  private static final Optional<Job> SNAPSHOTTING = Optional.of(new Job(D, "j1", "snapshot 's1'", LATER));

  @Test
  void aLiveJobMakesEveryCommandWithoutItsIdBusyNamingIt() {
    String expected = "domain 'web1' is busy with job j1 (snapshot 's1') until 2026-03-01T10:10:00Z";
    assertThat(Jobs.busy("web1", SNAPSHOTTING, null, NOW)).contains(expected);
    assertThat(Jobs.busy("web1", SNAPSHOTTING, "j2", NOW)).contains(expected);
    assertThat(Jobs.busy("web1", SNAPSHOTTING, "j1", NOW)).isEmpty();
    assertThat(Jobs.busy("web1", Optional.empty(), null, NOW)).isEmpty();
  }

  @Test
  void aJobPastItsExpiryHoldsNothing() {
    assertThat(Jobs.busy("web1", SNAPSHOTTING, null, LATER.minusMillis(1))).isPresent();
    assertThat(Jobs.busy("web1", SNAPSHOTTING, null, LATER)).isEmpty();
    assertThat(Jobs.begin(D, "web1", SNAPSHOTTING, "j2", "revert", LATER.plusSeconds(60), LATER))
        .isInstanceOf(Jobs.Take.class);
  }

  @Test
  void beginTakesAFreeDomainAndIsIdempotentForItsHolder() {
    Jobs.Decision first = Jobs.begin(D, "web1", Optional.empty(), "j1", "snapshot 's1'", LATER, NOW);
    assertThat(first).isEqualTo(new Jobs.Take(new Job(D, "j1", "snapshot 's1'", LATER),
        "job j1 (snapshot 's1') holds domain 'web1' until 2026-03-01T10:10:00Z"));

    assertThat(Jobs.begin(D, "web1", SNAPSHOTTING, "j1", "snapshot 's1'", LATER.plusSeconds(5), NOW))
        .isInstanceOf(Jobs.AlreadyDone.class);
    assertThat(Jobs.begin(D, "web1", SNAPSHOTTING, "j2", "revert", LATER, NOW))
        .isEqualTo(new Jobs.Refused(Fault.BUSY, "domain 'web1' is busy with job j1 (snapshot 's1') until "
            + "2026-03-01T10:10:00Z"));
  }

  @Test
  void beginNeedsAJobIdAndAFutureExpiry() {
    assertThat(Jobs.begin(D, "web1", Optional.empty(), null, "x", LATER, NOW))
        .isEqualTo(new Jobs.Refused(Fault.INVALID_ARG, "BeginJob needs the command's jobId"));
    assertThat(Jobs.begin(D, "web1", Optional.empty(), "j1", "x", NOW, NOW))
        .isInstanceOf(Jobs.Refused.class)
        .extracting(d -> ((Jobs.Refused) d).fault()).isEqualTo(Fault.INVALID_ARG);
  }

  @Test
  void endReleasesTheHolderAndIsIdempotent() {
    assertThat(Jobs.end("web1", SNAPSHOTTING, "j1", NOW)).isInstanceOf(Jobs.Release.class);
    assertThat(Jobs.end("web1", Optional.empty(), "j1", NOW)).isInstanceOf(Jobs.AlreadyDone.class);
    assertThat(Jobs.end("web1", SNAPSHOTTING, "j1", LATER)).as("expired").isInstanceOf(Jobs.AlreadyDone.class);
    assertThat(Jobs.end("web1", SNAPSHOTTING, "j2", NOW)).isInstanceOf(Jobs.Refused.class)
        .extracting(d -> ((Jobs.Refused) d).fault()).isEqualTo(Fault.BUSY);
    assertThat(Jobs.end("web1", SNAPSHOTTING, null, NOW)).isInstanceOf(Jobs.Refused.class)
        .extracting(d -> ((Jobs.Refused) d).fault()).isEqualTo(Fault.INVALID_ARG);
  }
}
