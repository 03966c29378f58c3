package io.virtflow.gateway.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IdempotencyLedgerTest {

  @Test
  void freshThenReplayThenConflict() {
    IdempotencyLedger ledger = new IdempotencyLedger(10);
    assertThat(ledger.decide("p", "k", "h1")).isInstanceOf(IdempotencyLedger.Decision.Fresh.class);
    ledger.remember("p", "k", "h1", "c1", "d1");
    assertThat(ledger.decide("p", "k", "h1")).isEqualTo(
        new IdempotencyLedger.Decision.Replay(new IdempotencyLedger.Entry("h1", "c1", "d1")));
    assertThat(ledger.decide("p", "k", "h2")).isInstanceOf(IdempotencyLedger.Decision.Conflict.class);
  }

  @Test
  void keysBelongToTheirPrincipal() {
    IdempotencyLedger ledger = new IdempotencyLedger(10);
    ledger.remember("alice", "k", "h1", "c1", "d1");
    assertThat(ledger.decide("bob", "k", "h2")).isInstanceOf(IdempotencyLedger.Decision.Fresh.class);
  }

  @Test
  void theFirstCommandForAKeyWins() {
    IdempotencyLedger ledger = new IdempotencyLedger(10);
    ledger.remember("p", "k", "h1", "c1", "d1");
    ledger.remember("p", "k", "h1", "c2", "d2");
    assertThat(ledger.decide("p", "k", "h1"))
        .isEqualTo(new IdempotencyLedger.Decision.Replay(new IdempotencyLedger.Entry("h1", "c1", "d1")));
  }

  @Test
  void theOldestKeysAreForgottenBeyondTheCap() {
    IdempotencyLedger ledger = new IdempotencyLedger(3);
    for (int i = 0; i < 5; i++) {
      ledger.remember("p", "k" + i, "h", "c" + i, "d");
    }
    assertThat(ledger.size()).isEqualTo(3);
    assertThat(ledger.decide("p", "k0", "h")).isInstanceOf(IdempotencyLedger.Decision.Fresh.class);
    assertThat(ledger.decide("p", "k4", "h")).isInstanceOf(IdempotencyLedger.Decision.Replay.class);
  }

  @Test
  void theFingerprintDependsOnMethodPathQueryAndBody() {
    var q = new java.util.TreeMap<String, java.util.List<String>>();
    String base = RequestFingerprint.of("POST", "/v1/domains", q, "{\"a\":1}");
    assertThat(RequestFingerprint.of("POST", "/v1/domains", q, "{\"a\":1}")).isEqualTo(base);
    assertThat(RequestFingerprint.of("DELETE", "/v1/domains", q, "{\"a\":1}")).isNotEqualTo(base);
    assertThat(RequestFingerprint.of("POST", "/v1/domainz", q, "{\"a\":1}")).isNotEqualTo(base);
    assertThat(RequestFingerprint.of("POST", "/v1/domains", q, "{\"a\":2}")).isNotEqualTo(base);
    var q2 = new java.util.TreeMap<String, java.util.List<String>>(java.util.Map.of("timeoutMs", java.util.List.of("5")));
    assertThat(RequestFingerprint.of("POST", "/v1/domains", q2, "{\"a\":1}")).isNotEqualTo(base).hasSize(64);
  }
}
