package io.virtflow.gateway.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.virtflow.gateway.auth.KeyFiles;
import io.virtflow.gateway.auth.TokenVerifier;
import io.virtflow.gateway.command.AuditLog;
import io.virtflow.gateway.command.CommandService;
import io.virtflow.gateway.command.CommandSink;
import io.virtflow.gateway.command.GatewayState;
import io.virtflow.gateway.domain.FailureCode;
import io.virtflow.gateway.http.HttpApi;
import io.virtflow.gateway.kafka.EventReaders;
import io.virtflow.platform.health.Health;

/**
 * The OpenAPI document the gateway serves ({@code src/main/resources/openapi.yaml}) against the routes its
 * router really serves: every route (path and method) must be in the document, every path and operation of the
 * document must be served, and the document must be a valid OpenAPI 3 document. The router is the gateway's
 * own ({@link HttpApi}), built on collaborators that never reach Kafka: no broker is needed, and nothing here
 * sends a command.
 */
class OpenApiRoutesTest {
  /**
   * Routes that handle no request of their own: the guard every {@code /v1} request goes through first
   * (authentication, audit, limits), and the routes without a path (body reading, failure handling).
   */
  private static final Set<String> MIDDLEWARE = Set.of("/v1/");
  private static final Set<String> METHODS = Set.of("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE");
  private static final Pattern PARAM = Pattern.compile(":([A-Za-z0-9_]+)");

  static Vertx vertx;
  static Router router;
  static HttpServer server;
  static String text;
  static SwaggerParseResult parsed;

  @BeforeAll
  static void build() throws Exception {
    vertx = Vertx.vertx();
    GatewayState state = new GatewayState(Clock.systemUTC(), Duration.ofSeconds(10), 1_000);
    CommandService commands = new CommandService(state, new RefusingSink(), UUID::randomUUID,
        Duration.ofMinutes(5));
    TokenVerifier verifier = new TokenVerifier(vertx, KeyFiles.publicPem(KeyFiles.generate().getPublic()),
        TokenVerifier.DEFAULT_ISSUER, TokenVerifier.DEFAULT_AUDIENCE);
    // Nothing here opens an event stream or reads the bus: the readers' address is never dialled.
    HttpApi api = new HttpApi(new HttpApi.Parts(vertx, vertx.getOrCreateContext(), state, commands,
        new EventReaders("127.0.0.1:9", "unused.vm.events", null), new Health("api-gateway"), 1 << 20,
        Duration.ofSeconds(60), 4, Duration.ofSeconds(15), verifier, AuditLog.NONE, 100, Duration.ofSeconds(30),
        Duration.ofSeconds(30), 100, null));
    router = api.router();
    server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await(30, TimeUnit.SECONDS);
    text = resource("/openapi.yaml");
    parsed = new OpenAPIV3Parser().readContents(text, null, new ParseOptions());
  }

  @AfterAll
  static void close() throws Exception {
    if (vertx != null) {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void theDocumentIsAValidOpenApi3Document() {
    assertThat(parsed.getMessages()).as("swagger-parser's messages").isEmpty();
    OpenAPI doc = parsed.getOpenAPI();
    assertThat(doc.getOpenapi()).startsWith("3.");
    assertThat(doc.getComponents().getSecuritySchemes().get("bearerAuth").getBearerFormat()).isEqualTo("JWT");
    List<String> ids = new ArrayList<>();
    documented(doc).forEach((key, op) -> ids.add(op.getOperationId()));
    assertThat(ids).as("operationIds").doesNotContainNull().doesNotHaveDuplicates();
  }

  @Test
  void everyRouteTheRouterServesIsDocumentedAndEveryDocumentedOneIsServed() {
    Set<String> served = new TreeSet<>();
    List<String> unreadable = new ArrayList<>();
    for (Route route : router.getRoutes()) {
      String path = route.getPath();
      if (path == null && route.isRegexPath()) {
        // A route by regular expression (pathRegex): no template to look up in the document.
        unreadable.add(route.toString());
        continue;
      }
      if (path == null || MIDDLEWARE.contains(path)) {
        continue;
      }
      if (!route.isExactPath()) {
        // A prefix route that serves requests (a static directory, say) cannot be matched to a path template.
        unreadable.add(path + "*");
        continue;
      }
      String template = PARAM.matcher(path).replaceAll("{$1}");
      if (route.methods().isEmpty()) {
        served.add("* " + template);
      } else {
        route.methods().forEach(m -> served.add(m.name() + " " + template));
      }
    }
    assertThat(unreadable).as("routes this test cannot compare with the document (extend it)").isEmpty();
    assertThat(served).as("the router serves nothing?").hasSizeGreaterThan(20);

    Map<String, Operation> documented = documented(parsed.getOpenAPI());
    Set<String> documentedPaths = new TreeSet<>();
    documented.keySet().forEach(k -> documentedPaths.add(k.substring(k.indexOf(' ') + 1)));

    List<String> missing = new ArrayList<>();
    for (String route : served) {
      String method = route.substring(0, route.indexOf(' '));
      String path = route.substring(route.indexOf(' ') + 1);
      boolean inDocument = method.equals("*") ? documentedPaths.contains(path) : documented.containsKey(route);
      if (!inDocument) {
        missing.add(route);
      }
    }
    List<String> notServed = new ArrayList<>();
    for (String op : documented.keySet()) {
      String path = op.substring(op.indexOf(' ') + 1);
      if (!served.contains(op) && !served.contains("* " + path)) {
        notServed.add(op);
      }
    }
    List<String> differences = new ArrayList<>();
    missing.forEach(r -> differences.add("served, not in openapi.yaml: " + r));
    notServed.forEach(r -> differences.add("in openapi.yaml, not served: " + r));
    assertThat(differences).as("the router's routes against openapi.yaml").isEmpty();
  }

  @Test
  void everyFailureCodeIsInTheDocumentAndEveryOperationSaysHowItFails() {
    OpenAPI doc = parsed.getOpenAPI();
    Schema<?> codes = doc.getComponents().getSchemas().get("FailureCode");
    assertThat(codes.getEnum()).as("the code enum of problem documents").map(String::valueOf)
        .containsExactlyInAnyOrderElementsOf(Arrays.stream(FailureCode.values()).map(Enum::name).toList());

    List<String> faults = new ArrayList<>();
    documented(doc).forEach((key, op) -> {
      Map<String, ApiResponse> answers = op.getResponses();
      if (answers.keySet().stream().noneMatch(s -> s.startsWith("2"))) {
        faults.add(key + ": no 2xx answer");
      }
      boolean secured = op.getSecurity() == null || !op.getSecurity().isEmpty();
      if (key.contains(" /v1/") != secured) {
        faults.add(key + ": every /v1 operation, and only they, need the bearer token");
      }
      if (key.contains(" /v1/")) {
        for (String status : List.of("401", "429", "500", "503")) {
          if (!answers.containsKey(status)) {
            faults.add(key + ": no " + status + " (every /v1 request may get it)");
          }
        }
      }
      answers.forEach((status, answer) -> {
        // A DOWN health check answers 503 with the health report itself, as orchestrators expect.
        if ((status.startsWith("4") || status.startsWith("5")) && !key.equals("GET /health")) {
          ApiResponse a = resolve(doc, answer);
          if (a.getContent() == null || a.getContent().keySet().size() != 1
              || !a.getContent().containsKey("application/problem+json")) {
            faults.add(key + " " + status + ": a failure is application/problem+json, and only that");
          }
        }
      });
    });
    assertThat(faults).isEmpty();
  }

  @Test
  void theDocumentIsServedWithoutATokenAsYaml() throws Exception {
    HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + "/openapi.yaml")).GET()
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).contains("application/yaml");
    assertThat(r.body()).isEqualTo(text);
  }

  /** Every operation of the document, by {@code "METHOD /path"}. */
  static Map<String, Operation> documented(OpenAPI doc) {
    Map<String, Operation> out = new java.util.TreeMap<>();
    for (Map.Entry<String, PathItem> p : doc.getPaths().entrySet()) {
      p.getValue().readOperationsMap().forEach((method, op) -> out.put(method.name() + " " + p.getKey(), op));
    }
    out.keySet().forEach(k -> assertThat(METHODS).contains(k.substring(0, k.indexOf(' '))));
    return out;
  }

  private static ApiResponse resolve(OpenAPI doc, ApiResponse answer) {
    if (answer.get$ref() == null) {
      return answer;
    }
    Matcher m = Pattern.compile("#/components/responses/(.+)").matcher(answer.get$ref());
    assertThat(m.matches()).as(answer.get$ref()).isTrue();
    return doc.getComponents().getResponses().get(m.group(1));
  }

  private static String resource(String name) {
    try (InputStream in = OpenApiRoutesTest.class.getResourceAsStream(name)) {
      assertThat(in).as(name + " on the class path").isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A sink that takes nothing: no test here submits a command, and one that did would get 503. */
  private static final class RefusingSink implements CommandSink {
    @Override
    public Future<Void> ensureHostTopic(String hostId) {
      return refused();
    }

    @Override
    public Future<Void> publish(io.virtflow.gateway.domain.CommandDraft command) {
      return refused();
    }

    @Override
    public Future<Void> publishSnapshotRequest(io.virtflow.gateway.domain.CommandDraft request) {
      return refused();
    }

    @Override
    public Future<Void> publishStatus(io.virtflow.gateway.domain.StatusUpdate status) {
      return refused();
    }

    private static Future<Void> refused() {
      return Future.failedFuture(new IllegalStateException("OpenApiRoutesTest sends no command"));
    }
  }
}
