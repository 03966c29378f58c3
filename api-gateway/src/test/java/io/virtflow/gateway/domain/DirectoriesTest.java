package io.virtflow.gateway.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

class DirectoriesTest {
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  private static final String ID = "123e4567-e89b-12d3-a456-426614174000";

  private static DomainView domain(String id, String name, long version) {
    return new DomainView(id, name, "h1", "SHUTOFF", "UNKNOWN", 1, 16, List.of(), 0, version, null, T0);
  }

  private static HostView host(String id, boolean up, long epoch, Instant heartbeat, Instant received) {
    return new HostView(id, up, epoch, "sim", heartbeat, T0, received, 8, 1024, 0, 0, 0);
  }

  @Test
  void domainsAreFoundByIdInAnyCaseOrByName() {
    DomainDirectory d = new DomainDirectory();
    d.upsert(domain(ID, "web", 1));
    assertThat(d.find(ID)).isPresent();
    assertThat(d.find(ID.toUpperCase())).isPresent();
    assertThat(d.find("web")).isPresent();
    assertThat(d.find("db")).isEmpty();
  }

  @Test
  void anOlderStateIsIgnoredAndARenameMovesTheIndex() {
    DomainDirectory d = new DomainDirectory();
    d.upsert(domain(ID, "web", 2));
    d.upsert(domain(ID, "old", 1));
    assertThat(d.find("old")).isEmpty();
    d.upsert(domain(ID, "renamed", 3));
    assertThat(d.find("web")).isEmpty();
    assertThat(d.find("renamed")).hasValueSatisfying(v -> assertThat(v.version()).isEqualTo(3));
    d.remove(ID);
    assertThat(d.find("renamed")).isEmpty();
    assertThat(d.nameTaken("renamed")).isFalse();
  }

  @Test
  void aHostIsUpWhileItsLastHeartbeatIsFreshAndItSaysSo() {
    Duration after = Duration.ofSeconds(10);
    HostView h = host("h", true, 1, T0, T0);
    assertThat(h.up(T0.plusSeconds(10), after)).isTrue();
    assertThat(h.up(T0.plusSeconds(11), after)).isFalse();
    assertThat(host("h", false, 1, T0, T0).up(T0, after)).isFalse();
  }

  @Test
  void lastSeenIsTheEarlierOfTheAgentsClockAndTheReceiveTime() {
    Duration after = Duration.ofSeconds(10);
    // Re-read after a gateway restart: received now, sent an hour ago.
    assertThat(host("h", true, 1, T0, T0.plusSeconds(3600)).up(T0.plusSeconds(3600), after)).isFalse();
    // An agent whose clock runs an hour ahead.
    assertThat(host("h", true, 1, T0.plusSeconds(3600), T0).up(T0.plusSeconds(11), after)).isFalse();
  }

  @Test
  void heartbeatsOfAnOlderAgentIncarnationAreIgnored() {
    HostDirectory d = new HostDirectory();
    assertThat(d.upsert(host("h", true, 2, T0, T0))).isTrue();
    assertThat(d.upsert(host("h", true, 1, T0.plusSeconds(5), T0))).isFalse();
    assertThat(d.upsert(host("h", true, 2, T0.minusSeconds(1), T0))).isFalse();
    assertThat(d.upsert(host("h", false, 2, T0.plusSeconds(1), T0))).isTrue();
    assertThat(d.find("h")).hasValueSatisfying(h -> assertThat(h.reportedUp()).isFalse());
  }
}
