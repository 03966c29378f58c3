package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtflow.gateway.domain.Role;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;

/**
 * Authentication and roles over HTTP: every {@code /v1} call needs a valid bearer token (401 otherwise,
 * with {@code WWW-Authenticate}), {@code /health} does not, and a role that may not do something gets 403.
 */
class AuthenticationTest {
  private static BusConfig bus;
  private static TestAgent agent;
  private static RunningGateway gw;

  @BeforeAll
  static void setUp() {
    bus = KafkaFixture.freshBus();
    agent = TestAgent.start(bus, KafkaFixture.admin(), "h1").autoComplete(true).heartbeatEvery(Duration.ofMillis(500));
    gw = RunningGateway.start(bus);
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/hosts").json().getJsonArray("hosts").size() == 1);
  }

  @AfterAll
  static void tearDown() {
    gw.close();
    agent.close();
  }

  private static long now() {
    return Instant.now().getEpochSecond();
  }

  private static JsonObject claims() {
    return new JsonObject().put("sub", "alice").put("role", "operator").put("projects", new JsonArray().add("default"))
        .put("iss", "virtflow").put("aud", "virtflow-api").put("iat", now()).put("exp", now() + 600);
  }

  private static String raw(JsonObject claims) {
    return TestKeys.MINTER.mintRaw(claims);
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes());
  }

  private static void assertUnauthenticated(RunningGateway.Answer a) {
    assertThat(a.status()).as(a.toString()).isEqualTo(401);
    assertThat(a.contentType()).startsWith("application/problem+json");
    assertThat(a.json().getString("code")).isEqualTo("AUTH_FAILED");
    assertThat(a.header("WWW-Authenticate")).startsWith("Bearer realm=\"virtflow\"");
  }

  @Test
  void aValidTokenIsLetIn() {
    RunningGateway.Answer a = gw.get("/v1/domains", "Authorization", RunningGateway.bearer(raw(claims())));
    assertThat(a.status()).as(a.toString()).isEqualTo(200);
  }

  @Test
  void everyBadTokenIs401() {
    String good = raw(claims());
    String[] parts = good.split("\\.");
    Map<String, String> bad = new java.util.LinkedHashMap<>();
    bad.put("no header", null);
    bad.put("empty", "");
    bad.put("not bearer", "Basic YWxpY2U6cHc=");
    bad.put("bearer without token", "Bearer ");
    bad.put("garbage", "Bearer abc.def.ghi");
    bad.put("two parts", "Bearer " + parts[0] + "." + parts[1]);
    bad.put("forged (other key)", "Bearer " + TestKeys.foreignMinter().mintRaw(claims()));
    bad.put("payload swapped", "Bearer " + parts[0] + "." + b64(claims().put("role", "admin").encode()) + "." + parts[2]);
    bad.put("alg none", "Bearer " + b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + parts[1] + ".");
    bad.put("alg HS256", "Bearer " + b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}") + "." + parts[1] + "." + parts[2]);
    bad.put("expired", "Bearer " + raw(claims().put("iat", now() - 600).put("exp", now() - 60)));
    bad.put("not yet valid", "Bearer " + raw(claims().put("nbf", now() + 600)));
    bad.put("wrong issuer", "Bearer " + raw(claims().put("iss", "someone-else")));
    bad.put("wrong audience", "Bearer " + raw(claims().put("aud", "another-api")));
    bad.put("no expiry", "Bearer " + raw(claims().copy().put("exp", (Object) null)));
    bad.put("no subject", "Bearer " + raw(claims().put("sub", (Object) null)));
    bad.put("unknown role", "Bearer " + raw(claims().put("role", "root")));
    bad.put("no role", "Bearer " + raw(claims().put("role", (Object) null)));
    bad.put("projects not a list", "Bearer " + raw(claims().put("projects", "default")));
    for (Map.Entry<String, String> e : bad.entrySet()) {
      RunningGateway.Answer a = gw.get("/v1/domains", "Authorization", e.getValue() == null ? "" : e.getValue());
      assertThat(a.status()).as(e.getKey() + ": " + a).isEqualTo(401);
      assertUnauthenticated(a);
    }
  }

  @Test
  void everyV1RouteNeedsATokenHealthDoesNot() {
    for (String path : List.of("/v1/domains", "/v1/domains/x", "/v1/hosts", "/v1/schemas", "/v1/events",
        "/v1/commands/" + java.util.UUID.randomUUID(), "/v1/domains/x/snapshots", "/v1/nothing-here")) {
      assertUnauthenticated(gw.get(path, "Authorization", ""));
    }
    assertUnauthenticated(gw.post("/v1/domains", "{\"name\":\"n\",\"vcpus\":1,\"memoryMiB\":64}", "Authorization", ""));
    assertUnauthenticated(gw.delete("/v1/domains/x", "Authorization", ""));
    assertThat(gw.get("/health", "Authorization", "").status()).isEqualTo(200);
    // A request without a token never reaches the command path.
    assertThat(agent.commands()).noneMatch(c -> c.getPayload() instanceof io.virtflow.schema.Define d
        && d.getName().equals("n"));
  }

  @Test
  void aViewerReadsButMayNotCommand() {
    String viewer = TestKeys.token("vera", Role.VIEWER, TestKeys.PROJECT);
    String define = "{\"name\":\"viewer-try\",\"vcpus\":1,\"memoryMiB\":64}";
    RunningGateway.Answer refused = gw.post("/v1/domains", define, "Authorization", RunningGateway.bearer(viewer));
    assertThat(refused.status()).as(refused.toString()).isEqualTo(403);
    assertThat(refused.contentType()).startsWith("application/problem+json");
    assertThat(refused.json().getString("code")).isEqualTo("ACCESS_DENIED");
    assertThat(refused.json().getString("detail")).contains("viewer");

    RunningGateway.Answer ok = gw.post("/v1/domains", define);
    assertThat(ok.status()).as(ok.toString()).isEqualTo(202);
    assertThat(gw.get("/v1/domains/viewer-try", "Authorization", RunningGateway.bearer(viewer)).status())
        .isEqualTo(200);
    for (String path : List.of("/v1/domains/viewer-try/start", "/v1/domains/viewer-try/destroy",
        "/v1/domains/viewer-try/snapshots", "/v1/commands/" + ok.json().getString("commandId") + "/cancel")) {
      RunningGateway.Answer a = gw.post(path, "{}", "Authorization", RunningGateway.bearer(viewer));
      assertThat(a.status()).as(path + " " + a).isEqualTo(403);
    }
    assertThat(gw.delete("/v1/domains/viewer-try", "Authorization", RunningGateway.bearer(viewer)).status())
        .isEqualTo(403);
    assertThat(gw.get("/v1/hosts", "Authorization", RunningGateway.bearer(viewer)).status()).isEqualTo(200);
    assertThat(gw.get("/v1/bus", "Authorization", RunningGateway.bearer(viewer)).status()).isEqualTo(403);
    assertThat(gw.get("/v1/commands/" + ok.json().getString("commandId"), "Authorization",
        RunningGateway.bearer(viewer)).status()).isEqualTo(200);
    assertThat(gw.get("/v1/schemas", "Authorization", RunningGateway.bearer(viewer)).status()).isEqualTo(200);
  }

  @Test
  void anOperatorCommandsButNeitherReadsTheBusNorChoosesAHost() {
    String operator = TestKeys.token("otto", Role.OPERATOR, TestKeys.PROJECT);
    RunningGateway.Answer defined = gw.post("/v1/domains", "{\"name\":\"op-try\",\"vcpus\":1,\"memoryMiB\":64}",
        "Authorization", RunningGateway.bearer(operator));
    assertThat(defined.status()).as(defined.toString()).isEqualTo(202);
    RunningGateway.Answer started = gw.post("/v1/domains/op-try/start", null, "Authorization",
        RunningGateway.bearer(operator));
    assertThat(started.status()).as(started.toString()).isEqualTo(202);
    RunningGateway.Answer forced = gw.post("/v1/domains", "{\"name\":\"op-host\",\"host\":\"h1\",\"vcpus\":1,"
        + "\"memoryMiB\":64}", "Authorization", RunningGateway.bearer(operator));
    assertThat(forced.status()).as(forced.toString()).isEqualTo(403);
    assertThat(forced.json().getString("code")).isEqualTo("ACCESS_DENIED");
    assertThat(gw.get("/v1/bus", "Authorization", RunningGateway.bearer(operator)).status()).isEqualTo(403);
    assertThat(gw.get("/v1/hosts", "Authorization", RunningGateway.bearer(operator)).status()).isEqualTo(200);
    // The admin may do both.
    assertThat(gw.post("/v1/domains", "{\"name\":\"op-host\",\"host\":\"h1\",\"vcpus\":1,\"memoryMiB\":64}").status())
        .isEqualTo(202);
    assertThat(gw.get("/v1/hosts").status()).isEqualTo(200);
    assertThat(gw.get("/v1/bus").status()).isEqualTo(200);
  }
}
