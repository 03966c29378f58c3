package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.virtflow.gateway.domain.Role;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.schema.AuditRecord;
import io.virtflow.schema.Codecs;

/** Every /v1 request, accepted or refused, leaves exactly one record on virtflow.audit, keyed by principal. */
class AuditTest {
  private static BusConfig bus;
  private static TestAgent agent;
  private static RunningGateway gw;

  @BeforeAll
  static void setUp() {
    bus = KafkaFixture.freshBus();
    agent = TestAgent.start(bus, KafkaFixture.admin(), "h1").autoComplete(true).heartbeatEvery(Duration.ofMillis(500));
    gw = RunningGateway.start(bus, java.util.Map.of(GatewayConfig.MAX_BODY_BYTES, "1024"));
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/hosts").json().getJsonArray("hosts").size() == 1);
  }

  @AfterAll
  static void tearDown() {
    gw.close();
    agent.close();
  }

  private static List<AuditRecord> records(String principal, int atLeast) {
    await().atMost(Duration.ofSeconds(15)).until(() -> read(principal).size() >= atLeast);
    return read(principal);
  }

  private static List<AuditRecord> read(String principal) {
    return TopicProbe.readAll(bus.bootstrap(), bus.topics().audit()).stream()
        .filter(r -> principal.equals(r.key())).map(r -> Codecs.AUDIT_RECORD.decode(r.value()))
        .filter(r -> principal.equals(r.getPrincipal())).toList();
  }

  @Test
  void acceptedAndRefusedRequestsAreAuditedOnceEach() {
    String who = "auditor-" + UUID.randomUUID().toString().substring(0, 8);
    String op = RunningGateway.bearer(TestKeys.token(who, Role.OPERATOR, "audit"));
    String viewer = RunningGateway.bearer(TestKeys.token(who + "-v", Role.VIEWER, "audit"));
    Instant before = Instant.now().minusSeconds(1);

    RunningGateway.Answer defined = gw.post("/v1/domains", "{\"name\":\"" + who + "\",\"vcpus\":1,\"memoryMiB\":64}",
        "Authorization", op);
    assertThat(defined.status()).isEqualTo(202);
    assertThat(gw.post("/v1/domains", "{\"name\":\"" + who + "\",\"vcpus\":1,\"memoryMiB\":64}", "Authorization", op)
        .status()).isEqualTo(409);
    assertThat(gw.post("/v1/domains", "{\"name\":\"a/b\",\"vcpus\":1,\"memoryMiB\":64}", "Authorization", op).status())
        .isEqualTo(400);
    assertThat(gw.post("/v1/domains/nowhere/start", null, "Authorization", op).status()).isEqualTo(404);
    assertThat(gw.post("/v1/domains", "{\"name\":\"x\",\"pad\":\"" + "x".repeat(2000) + "\"}", "Authorization", op)
        .status()).isEqualTo(413);
    assertThat(gw.post("/v1/domains/" + who + "/start", null, "Idempotency-Key", "k1", "Authorization", op).status())
        .isEqualTo(202);
    assertThat(gw.post("/v1/domains/" + who + "/destroy", null, "Idempotency-Key", "k1", "Authorization", op).status())
        .isEqualTo(422);
    assertThat(gw.get("/v1/bus", "Authorization", op).status()).isEqualTo(403);
    assertThat(gw.get("/v1/domains/" + who, "Authorization", op).status()).isEqualTo(200);

    List<AuditRecord> mine = records(who, 9);
    assertThat(mine).hasSize(9);
    assertThat(mine).allSatisfy(r -> {
      assertThat(r.getDoor()).isEqualTo("HTTP");
      assertThat(r.getRole()).isEqualTo("operator");
      assertThat(r.getRemote()).isEqualTo("127.0.0.1");
      assertThat(r.getAt()).isAfter(before);
      assertThat(r.getAuditId()).isNotBlank();
    });
    assertThat(mine).extracting(AuditRecord::getHttpStatus)
        .containsExactlyInAnyOrder(202, 409, 400, 404, 413, 202, 422, 403, 200);
    AuditRecord define = mine.stream().filter(r -> r.getHttpStatus() == 202 && r.getAction().equals("DEFINE"))
        .findFirst().orElseThrow();
    assertThat(define.getOutcome()).isEqualTo("ACCEPTED");
    assertThat(define.getCommandId()).isEqualTo(defined.json().getString("commandId"));
    assertThat(define.getTarget()).isEqualTo(who);
    assertThat(define.getProject()).isEqualTo("audit");
    AuditRecord tooBig = mine.stream().filter(r -> r.getHttpStatus() == 413).findFirst().orElseThrow();
    assertThat(tooBig.getOutcome()).isEqualTo("REJECTED");
    assertThat(tooBig.getCode().name()).isEqualTo("INVALID_ARG");
    AuditRecord forbidden = mine.stream().filter(r -> r.getHttpStatus() == 403).findFirst().orElseThrow();
    assertThat(forbidden.getOutcome()).isEqualTo("FORBIDDEN");
    assertThat(forbidden.getCode().name()).isEqualTo("ACCESS_DENIED");
    assertThat(forbidden.getAction()).isEqualTo("GET /v1/bus");
    AuditRecord missing = mine.stream().filter(r -> r.getHttpStatus() == 404).findFirst().orElseThrow();
    assertThat(missing.getCode().name()).isEqualTo("NO_DOMAIN");
    assertThat(missing.getAction()).isEqualTo("START");
    assertThat(missing.getTarget()).isEqualTo("nowhere");
    assertThat(missing.getMessage()).contains("nowhere");

    assertThat(gw.post("/v1/domains/" + who + "/start", null, "Authorization", viewer).status()).isEqualTo(403);
    assertThat(records(who + "-v", 1)).singleElement().satisfies(r -> {
      assertThat(r.getOutcome()).isEqualTo("FORBIDDEN");
      assertThat(r.getRole()).isEqualTo("viewer");
    });
  }

  @Test
  void aRequestWithoutAValidTokenIsAuditedAsAnonymous() {
    String marker = "/v1/domains/unauth-" + UUID.randomUUID();
    assertThat(gw.get(marker, "Authorization", "Bearer nonsense").status()).isEqualTo(401);
    await().atMost(Duration.ofSeconds(15)).until(() -> read("anonymous").stream()
        .anyMatch(r -> r.getAction().equals("GET " + marker)));
    AuditRecord r = read("anonymous").stream().filter(x -> x.getAction().equals("GET " + marker)).findFirst()
        .orElseThrow();
    assertThat(r.getOutcome()).isEqualTo("UNAUTHENTICATED");
    assertThat(r.getHttpStatus()).isEqualTo(401);
    assertThat(r.getCode().name()).isEqualTo("AUTH_FAILED");
    assertThat(r.getRole()).isNull();
  }

  @Test
  void healthIsNotAudited() {
    String marker = "/v1/domains/after-health-" + UUID.randomUUID();
    assertThat(gw.get("/health").status()).isEqualTo(200);
    assertThat(gw.get(marker).status()).isEqualTo(404);
    await().atMost(Duration.ofSeconds(15)).until(() -> read("admin").stream()
        .anyMatch(r -> r.getAction().equals("GET " + marker)));
    assertThat(TopicProbe.readAll(bus.bootstrap(), bus.topics().audit()).stream()
        .map(r -> Codecs.AUDIT_RECORD.decode(r.value()).getAction())).noneMatch(a -> a.contains("/health"));
  }
}
