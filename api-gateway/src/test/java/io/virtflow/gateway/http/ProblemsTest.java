package io.virtflow.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.virtflow.gateway.command.BusUnavailable;
import io.virtflow.gateway.domain.Refusal;

/** Every failure a route can end in becomes a problem document; a bug is a 500 that shows no internals. */
class ProblemsTest {
  private Vertx vertx;
  private HttpServer server;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    Router r = Router.router(vertx);
    r.get("/bug").handler(ctx -> {
      throw new IllegalStateException("secret internals");
    });
    r.get("/bus").handler(ctx -> ctx.fail(new BusUnavailable("Kafka did not acknowledge; nothing was accepted", null)));
    r.get("/refused").handler(ctx -> ctx.fail(Refusal.keyReused("k")));
    r.get("/status").handler(ctx -> ctx.fail(413));
    r.route().failureHandler(Problems::handleFailure);
    server = vertx.createHttpServer().requestHandler(r).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anUnexpectedExceptionIsA500InternalWithoutItsMessage() throws Exception {
    HttpResponse<String> r = get("/bug");
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.headers().firstValue("Content-Type")).contains(Problems.CONTENT_TYPE);
    JsonObject p = new JsonObject(r.body());
    assertThat(p.getString("code")).isEqualTo("INTERNAL");
    assertThat(p.getInteger("status")).isEqualTo(500);
    assertThat(p.getString("type")).isEqualTo("urn:virtflow:error:INTERNAL");
    assertThat(p.getString("title")).isNotBlank();
    assertThat(r.body()).doesNotContain("secret internals");
  }

  @Test
  void kafkaUnavailableIsA503Internal() throws Exception {
    HttpResponse<String> r = get("/bus");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(new JsonObject(r.body()).getString("code")).isEqualTo("INTERNAL");
    assertThat(new JsonObject(r.body()).getString("detail")).contains("nothing was accepted");
  }

  @Test
  void aReusedKeyIsA422() throws Exception {
    HttpResponse<String> r = get("/refused");
    assertThat(r.statusCode()).isEqualTo(422);
    assertThat(new JsonObject(r.body()).getString("field")).isEqualTo("Idempotency-Key");
  }

  @Test
  void aBareStatusFailureKeepsItsStatus() throws Exception {
    HttpResponse<String> r = get("/status");
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(new JsonObject(r.body()).getString("code")).isEqualTo("INVALID_ARG");
  }

  @Test
  void aCodeAnAgentAnsweredWithMapsToTheStatusTheGatewaysOwnRefusalsOfThatCodeHave() {
    for (Refusal r : java.util.List.of(Refusal.invalid("f", "bad"), Refusal.noDomain("x"), Refusal.noSnapshot("x", "s"),
        Refusal.noHost("h"), Refusal.unsupported("no"), Refusal.conflict("no"), Refusal.noHostUp(),
        Refusal.hostNotUp("h", "no"), Refusal.forbidden("no"), Refusal.unauthenticated("no"))) {
      assertThat(Problems.statusOf(r.code())).as(r.code().name()).isEqualTo(Problems.statusOf(r.kind()));
    }
    assertThat(Problems.statusOf(io.virtflow.gateway.domain.FailureCode.OPERATION_UNSUPPORTED)).isEqualTo(409);
    assertThat(Problems.statusOf(io.virtflow.gateway.domain.FailureCode.BUSY)).isEqualTo(409);
    assertThat(Problems.statusOf(io.virtflow.gateway.domain.FailureCode.TIMEOUT)).isEqualTo(503);
    assertThat(Problems.statusOf(io.virtflow.gateway.domain.FailureCode.DRIVER_ERROR)).isEqualTo(502);
    assertThat(Problems.statusOf(io.virtflow.gateway.domain.FailureCode.INTERNAL)).isEqualTo(500);
  }
}
