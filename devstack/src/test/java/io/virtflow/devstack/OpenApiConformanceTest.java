package io.virtflow.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;

import io.vertx.core.json.JsonObject;
import io.virtflow.gateway.domain.Role;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The README's walkthrough through HTTP against the whole stack, every request and every answer checked
 * against the OpenAPI document the gateway serves ({@code api-gateway/src/main/resources/openapi.yaml}):
 * the request's path and method name an operation, its query parameters and headers are documented and (for
 * an accepted request) valid, its body matches the operation's request schema; the answer's status is
 * documented for that operation, its content type is one the document gives for that status, and its body
 * (JSON, and each Server-Sent Event's data) matches the schema. The last test checks that every operation of
 * the document was exercised.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OpenApiConformanceTest {
  @TempDir
  static Path dataDir;
  static DevStack stack;
  static Contract contract;
  static Client admin;
  static Client viewer;
  static Client anonymous;
  static boolean snapshotsRan;

  @BeforeAll
  static void up() {
    contract = Contract.load();
    stack = Stacks.upWithHosts(2, dataDir);
    admin = new Client(stack.httpUrl(), stack.adminToken());
    viewer = new Client(stack.httpUrl(), stack.mintToken("oa-viewer", Role.VIEWER, List.of("default"),
        Duration.ofHours(1)));
    anonymous = new Client(stack.httpUrl(), null);
  }

  @AfterAll
  static void down() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  @Order(1)
  void whatNeedsNoTokenConforms() {
    assertThat(anonymous.get("/health").status()).isEqualTo(200);
    assertThat(anonymous.get("/metrics").status()).isEqualTo(200);
    Answer doc = anonymous.get("/openapi.yaml");
    assertThat(doc.status()).isEqualTo(200);
    assertThat(doc.body()).isEqualTo(contract.text);
    assertThat(anonymous.get("/").status()).isEqualTo(200);
    Answer script = anonymous.get("/console/app.js");
    assertThat(script.status()).isEqualTo(200);
    String etag = script.header("ETag");
    assertThat(etag).isNotNull();
    assertThat(anonymous.get("/console/app.js", "If-None-Match", etag).status()).isEqualTo(304);
    assertThat(anonymous.get("/console/other.js").status()).isEqualTo(404);
    Answer refused = anonymous.get("/v1/hosts");
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.header("WWW-Authenticate")).startsWith("Bearer");
    assertThat(new Client(stack.httpUrl(), "not-a-jwt").get("/v1/domains").status()).isEqualTo(401);
  }

  @Test
  @Order(2)
  void theFleetAndTheSchemasConform() {
    assertThat(admin.get("/v1/schemas").status()).isEqualTo(200);
    Answer hosts = admin.get("/v1/hosts");
    assertThat(hosts.status()).isEqualTo(200);
    assertThat(hosts.json().getJsonArray("hosts").getJsonObject(0).containsKey("driverFacts")).isTrue();
    Answer seen = viewer.get("/v1/hosts");
    assertThat(seen.status()).isEqualTo(200);
    assertThat(seen.json().getJsonArray("hosts").getJsonObject(0).containsKey("driverFacts")).isFalse();
    assertThat(admin.get("/v1/hosts?all=1").status()).isEqualTo(400);
    assertThat(admin.get("/v1/bus").status()).isEqualTo(200);
    assertThat(viewer.get("/v1/bus").status()).isEqualTo(403);
  }

  @Test
  @Order(3)
  void aDomainsWholeLifeConforms() {
    try (EventStream events = admin.events("/v1/events?domain=oa1")) {
      Answer defined = admin.post("/v1/domains", "{\"name\":\"oa1\",\"vcpus\":1,\"memoryMiB\":256,"
          + "\"disks\":[{\"target\":\"vda\",\"sizeGiB\":1}],\"interfaces\":[{}],\"guestAgent\":false}");
      assertThat(defined.status()).isEqualTo(202);
      String defineId = defined.json().getString("commandId");
      // Right after the 202: the define may still be pending, which has its own rendering.
      assertThat(admin.get("/v1/domains/oa1").status()).isEqualTo(200);
      assertThat(admin.waitFor(defineId).getString("status")).isEqualTo("SUCCEEDED");
      await().atMost(Duration.ofSeconds(10)).until(() -> !admin.get("/v1/domains/oa1").json().getBoolean("pending"));

      for (String op : List.of("start", "suspend", "resume", "reboot", "shutdown", "start", "destroy")) {
        Answer a = op.equals("start") ? admin.post("/v1/domains/oa1/start", "{\"paused\":false}")
            : admin.post("/v1/domains/oa1/" + op + "?timeoutMs=60000", null);
        assertThat(a.status()).as(op).isEqualTo(202);
        assertThat(admin.waitFor(a.json().getString("commandId")).getString("status")).as(op).isEqualTo("SUCCEEDED");
      }
      // Refused by the agent: the status document carries the code.
      Answer resume = admin.post("/v1/domains/oa1/resume", "{}");
      JsonObject rejected = admin.waitFor(resume.json().getString("commandId"));
      assertThat(rejected.getString("code")).isEqualTo("OPERATION_INVALID");
      assertThat(admin.post("/v1/commands/" + rejected.getString("commandId") + "/cancel", null).status())
          .isEqualTo(409);

      // Idempotency: a replay, then the same key for another request.
      String key = "oa-" + UUID.randomUUID();
      Answer first = admin.post("/v1/domains/oa1/start", "{}", "Idempotency-Key", key);
      Answer replay = admin.post("/v1/domains/oa1/start", "{}", "Idempotency-Key", key);
      assertThat(replay.status()).isEqualTo(202);
      assertThat(replay.header("Idempotent-Replayed")).isEqualTo("true");
      assertThat(replay.json().getString("commandId")).isEqualTo(first.json().getString("commandId"));
      assertThat(admin.post("/v1/domains/oa1/start", "{\"paused\":true}", "Idempotency-Key", key).status())
          .isEqualTo(422);
      admin.waitFor(first.json().getString("commandId"));

      // The lists.
      Answer page = admin.get("/v1/domains?limit=1");
      assertThat(page.status()).isEqualTo(200);
      assertThat(admin.get("/v1/domains").status()).isEqualTo(200);
      if (page.json().getString("next") != null) {
        assertThat(admin.get("/v1/domains?limit=1&after=" + page.json().getString("next")).status()).isEqualTo(200);
      }
      assertThat(admin.get("/v1/commands?limit=5").status()).isEqualTo(200);
      Answer mine = viewer.get("/v1/commands?status=SUCCEEDED,REJECTED&domain=oa1");
      assertThat(mine.status()).isEqualTo(200);
      assertThat(mine.json().getJsonArray("commands")).isNotEmpty();
      assertThat(admin.get("/v1/commands?status=DONE").status()).isEqualTo(400);
      assertThat(admin.get("/v1/commands/" + defineId).status()).isEqualTo(200);

      // The sim has no console.
      Answer console = viewer.get("/v1/domains/oa1/console?tail=5");
      assertThat(console.status()).isEqualTo(409);
      assertThat(console.json().getString("code")).isEqualTo("OPERATION_UNSUPPORTED");

      Answer undefine = admin.delete("/v1/domains/oa1?force=true");
      assertThat(undefine.status()).isEqualTo(202);
      assertThat(admin.waitFor(undefine.json().getString("commandId")).getString("status")).isEqualTo("SUCCEEDED");
      await().atMost(Duration.ofSeconds(10)).until(() -> admin.get("/v1/domains/oa1").status() == 404);

      await().atMost(Duration.ofSeconds(10)).until(() -> events.data().stream()
          .anyMatch(e -> "UNDEFINED".equals(e.getString("type"))));
      assertThat(events.data()).hasSizeGreaterThanOrEqualTo(10);
      // Resuming after the first event: the rest, each checked again.
      try (EventStream resumed = admin.events("/v1/events?domain=oa1&type=STOPPED,UNDEFINED", "Last-Event-ID",
          events.ids().get(0))) {
        await().atMost(Duration.ofSeconds(10)).until(() -> resumed.data().stream()
            .anyMatch(e -> "UNDEFINED".equals(e.getString("type"))));
      }
    }
  }

  @Test
  @Order(4)
  void refusalsConform() {
    assertThat(admin.post("/v1/domains", "{\"name\":\"a/b\",\"vcpus\":1,\"memoryMiB\":512}").status()).isEqualTo(400);
    assertThat(admin.post("/v1/domains", "{\"name\":\"oa2\",\"vcpus\":1,\"memoryMiB\":512,\"colour\":\"red\"}").status())
        .isEqualTo(400);
    assertThat(admin.post("/v1/domains", "{\"name\":\"oa2\",\"vcpus\":1,\"memoryMiB\":512,\"host\":\"no-such-host\"}")
        .status()).isEqualTo(404);
    Answer defined = admin.post("/v1/domains", "{\"name\":\"oa2\",\"vcpus\":1,\"memoryMiB\":128}");
    assertThat(defined.status()).isEqualTo(202);
    assertThat(admin.post("/v1/domains", "{\"name\":\"oa2\",\"vcpus\":1,\"memoryMiB\":128}").status()).isEqualTo(409);
    assertThat(viewer.post("/v1/domains/oa2/start", "{}").status()).isEqualTo(403);
    assertThat(admin.post("/v1/domains/no-such-vm/start", "{}").status()).isEqualTo(404);
    assertThat(admin.post("/v1/domains/oa2/start?timeoutMs=0", "{}").status()).isEqualTo(400);
    assertThat(admin.post("/v1/domains/oa2/start", "{\"paused\":\"yes\"}").status()).isEqualTo(400);
    assertThat(admin.get("/v1/domains?limit=0").status()).isEqualTo(400);
    assertThat(admin.get("/v1/domains/no-such-vm").status()).isEqualTo(404);
    assertThat(admin.get("/v1/commands/not-a-uuid").status()).isEqualTo(400);
    assertThat(admin.get("/v1/commands/" + UUID.randomUUID()).status()).isEqualTo(404);
    assertThat(admin.post("/v1/commands/" + UUID.randomUUID() + "/cancel", null).status()).isEqualTo(404);
    assertThat(admin.post("/v1/domains/oa2/destroy", " ".repeat(2 << 20)).status()).isEqualTo(413);
    assertThat(admin.events("/v1/events?lastEventId=yesterday").status()).isEqualTo(400);
    assertThat(admin.events("/v1/events?type=EXPLODED").status()).isEqualTo(400);
    admin.waitFor(defined.json().getString("commandId"));
    Answer undefine = admin.delete("/v1/domains/oa2");
    assertThat(undefine.status()).isEqualTo(202);
    admin.waitFor(undefine.json().getString("commandId"));
  }

  @Test
  @Order(5)
  void snapshotsConform() {
    Qemu.require();
    snapshotsRan = true;
    String base = "/v1/domains/oa3/snapshots";
    Answer defined = admin.post("/v1/domains", "{\"name\":\"oa3\",\"vcpus\":1,\"memoryMiB\":128,"
        + "\"disks\":[{\"target\":\"vda\",\"sizeGiB\":1}]}");
    assertThat(admin.waitFor(defined.json().getString("commandId")).getString("status")).isEqualTo("SUCCEEDED");
    await().atMost(Duration.ofSeconds(10)).until(() -> !admin.get("/v1/domains/oa3").json().getBoolean("pending"));

    assertThat(admin.run(base, "{\"name\":\"s1\",\"kind\":\"EXTERNAL\",\"description\":\"first\"}")
        .getString("status")).isEqualTo("SUCCEEDED");
    assertThat(admin.run(base, "{\"name\":\"s2\",\"kind\":\"INTERNAL\",\"quiesce\":false,\"memory\":false}")
        .getString("status")).isEqualTo("SUCCEEDED");
    assertThat(admin.get(base).status()).isEqualTo(200);
    assertThat(viewer.get(base + "/s1").status()).isEqualTo(200);
    assertThat(admin.get(base + "/nope").status()).isEqualTo(404);
    assertThat(admin.post(base, "{\"name\":\"s1\",\"kind\":\"EXTERNAL\"}").status()).isEqualTo(409);
    assertThat(admin.post(base, "{\"name\":\"s3\",\"kind\":\"external\"}").status()).isEqualTo(400);
    assertThat(admin.post(base + "/nope/revert", null).status()).isEqualTo(404);
    assertThat(admin.run(base + "/s1/revert", "{\"start\":\"KEEP\",\"force\":false}").getString("status"))
        .isEqualTo("SUCCEEDED");
    assertThat(admin.delete(base + "/s1?children=true&childrenOnly=true").status()).isEqualTo(400);
    Answer reconcile = admin.post(base + "/reconcile", null);
    assertThat(reconcile.status()).isEqualTo(202);
    JsonObject drift = admin.waitFor(reconcile.json().getString("commandId"));
    assertThat(drift.getString("status")).isEqualTo("SUCCEEDED");
    // A snapshot request cannot be cancelled.
    assertThat(admin.post("/v1/commands/" + reconcile.json().getString("commandId") + "/cancel", "{}").status())
        .isEqualTo(409);
    Answer delete = admin.delete(base + "/s2?metadataOnly=false");
    assertThat(delete.status()).isEqualTo(202);
    assertThat(admin.waitFor(delete.json().getString("commandId")).getString("status")).isEqualTo("SUCCEEDED");
    assertThat(admin.delete("/v1/domains/oa3").status()).isEqualTo(409);
    Answer undefine = admin.delete("/v1/domains/oa3?snapshotsMetadata=true&removeStorage=true");
    assertThat(undefine.status()).isEqualTo(202);
    assertThat(admin.waitFor(undefine.json().getString("commandId")).getString("status")).isEqualTo("SUCCEEDED");
  }

  @Test
  @Order(6)
  void everyOperationOfTheDocumentWasExercised() {
    Set<String> notExercised = new TreeSet<>(contract.operations());
    notExercised.removeAll(Client.EXERCISED.keySet());
    if (!snapshotsRan) {
      // Without qemu-img the snapshot walkthrough is skipped (Qemu.require).
      notExercised.removeIf(op -> op.contains("/snapshots"));
    }
    assertThat(notExercised).as("operations of openapi.yaml no request here exercised").isEmpty();
    System.out.println("OpenApiConformanceTest: " + Client.EXERCISED.values().stream().mapToInt(Integer::intValue).sum()
        + " exchanges checked, by operation: " + new TreeMap<>(Client.EXERCISED));
  }

  // ---------------------------------------------------------------------------------------------------------

  /** One answer, read whole. */
  record Answer(int status, String body, HttpResponse<String> raw) {
    JsonObject json() {
      return new JsonObject(body);
    }

    String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }
  }

  /**
   * An HTTP client that checks every exchange against the contract, as a user with curl and a bearer token
   * would send it (HTTP/1.1: see {@link Http}).
   */
  static final class Client {
    static final Map<String, Integer> EXERCISED = new ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String token;

    Client(String base, String token) {
      this.base = base;
      this.token = token;
    }

    Answer get(String path, String... headers) {
      return send("GET", path, null, headers);
    }

    Answer post(String path, String json, String... headers) {
      return send("POST", path, json, headers);
    }

    Answer delete(String path, String... headers) {
      return send("DELETE", path, null, headers);
    }

    /** Submits and waits for the command's end; returns its final status document. */
    JsonObject run(String path, String json) {
      Answer accepted = post(path, json);
      assertThat(accepted.status()).as(path + " " + accepted.body()).isEqualTo(202);
      return waitFor(accepted.json().getString("commandId"));
    }

    JsonObject waitFor(String commandId) {
      long until = System.currentTimeMillis() + 30_000;
      while (System.currentTimeMillis() < until) {
        JsonObject status = get("/v1/commands/" + commandId + "?waitMs=5000").json();
        if (status.getBoolean("terminal")) {
          return status;
        }
      }
      throw new AssertionError("command " + commandId + " did not end within 30 s");
    }

    /** {@code GET /v1/events...}: the head is checked at once, each event's data as it comes. */
    EventStream events(String path, String... headers) {
      HttpRequest request = request("GET", path, null, headers);
      Contract.Exchange x = contract.exchange("GET", path, headers, null, token != null);
      try {
        HttpResponse<Stream<String>> r = http.send(request, HttpResponse.BodyHandlers.ofLines());
        String type = r.headers().firstValue("Content-Type").orElse(null);
        if (r.statusCode() != 200) {
          String body;
          try (Stream<String> lines = r.body()) {
            body = String.join("\n", lines.toList());
          }
          x.answer(r.statusCode(), type, body, r.headers().map());
          count(x);
          return new EventStream(r.statusCode(), null, x);
        }
        x.answer(r.statusCode(), type, null, r.headers().map());
        count(x);
        return new EventStream(r.statusCode(), r.body(), x);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    private Answer send(String method, String path, String body, String... headers) {
      Contract.Exchange x = contract.exchange(method, path, headers, body, token != null);
      try {
        HttpResponse<String> r = http.send(request(method, path, body, headers),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        x.answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(null), r.body(), r.headers().map());
        count(x);
        return new Answer(r.statusCode(), r.body(), r);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    private static void count(Contract.Exchange x) {
      EXERCISED.merge(x.operation(), 1, Integer::sum);
    }

    private HttpRequest request(String method, String path, String body, String... headers) {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
      for (int i = 0; i + 1 < headers.length; i += 2) {
        b.header(headers[i], headers[i + 1]);
      }
      if (token != null) {
        b.header("Authorization", "Bearer " + token);
      }
      if (body != null) {
        b.header("Content-Type", "application/json");
      }
      return b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
          : HttpRequest.BodyPublishers.ofString(body)).build();
    }
  }

  /** A followed event stream: every event's data is checked against the document as it is read. */
  static final class EventStream implements AutoCloseable {
    private final int status;
    private final Stream<String> lines;
    private final List<String> ids = Collections.synchronizedList(new ArrayList<>());
    private final List<JsonObject> data = Collections.synchronizedList(new ArrayList<>());
    private final List<String> faults = Collections.synchronizedList(new ArrayList<>());

    EventStream(int status, Stream<String> lines, Contract.Exchange x) {
      this.status = status;
      this.lines = lines;
      if (lines != null) {
        Thread t = new Thread(() -> read(x), "oa-sse-reader");
        t.setDaemon(true);
        t.start();
      }
    }

    private void read(Contract.Exchange x) {
      String[] event = {null};
      String[] id = {null};
      StringBuilder buffer = new StringBuilder();
      try {
        lines.forEach(line -> {
          if (line.startsWith("event:")) {
            event[0] = line.substring(6).trim();
          } else if (line.startsWith("id:")) {
            id[0] = line.substring(3).trim();
          } else if (line.startsWith("data:")) {
            buffer.append(line.substring(5).trim());
          } else if (line.isEmpty() && buffer.length() > 0) {
            String kind = event[0] == null ? "message" : event[0];
            List<String> errors = x.event(kind, buffer.toString());
            if (!errors.isEmpty()) {
              faults.add(kind + " " + buffer + ": " + errors);
            }
            if (!contract.matches("EventPosition", id[0])) {
              faults.add("id '" + id[0] + "' is not an EventPosition");
            }
            ids.add(id[0]);
            data.add(new JsonObject(buffer.toString()));
            buffer.setLength(0);
            event[0] = null;
            id[0] = null;
          }
        });
      } catch (RuntimeException e) {
        // closed
      }
    }

    int status() {
      return status;
    }

    List<String> ids() {
      return List.copyOf(ids);
    }

    /** The events read so far; fails at once if one of them did not conform. */
    List<JsonObject> data() {
      assertThat(faults).as("events that do not conform to openapi.yaml").isEmpty();
      return List.copyOf(data);
    }

    @Override
    public void close() {
      if (lines != null) {
        lines.close();
      }
      assertThat(faults).as("events that do not conform to openapi.yaml").isEmpty();
    }
  }

  /**
   * The OpenAPI document, and the checks of one exchange against it. Schemas are validated with the
   * OpenAPI 3.0 dialect of networknt's json-schema-validator (it knows {@code nullable}), located by JSON
   * pointer into the document, so that {@code $ref}s resolve within it.
   */
  static final class Contract {
    /** The document's id for the schema registry; never fetched (the registry holds the text). */
    private static final String ID = "https://virtflow.invalid/openapi.yaml";
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");
    private static final ObjectMapper JSON = new ObjectMapper();

    final String text;
    private final JsonNode doc;
    private final SchemaRegistry registry;
    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();
    private final List<Template> templates = new ArrayList<>();

    private record Template(String path, Pattern regex, int literals) {
    }

    private Contract(String text) {
      this.text = text;
      this.doc = new YAMLMapper().readTree(text);
      this.registry = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi30(), b -> b.schemas(Map.of(ID, text)));
      for (Iterator<String> it = doc.get("paths").propertyNames().iterator(); it.hasNext();) {
        String path = it.next();
        StringBuilder regex = new StringBuilder("^");
        int literals = 0;
        for (String segment : path.substring(1).split("/", -1)) {
          regex.append('/');
          if (segment.startsWith("{")) {
            regex.append("[^/]+");
          } else {
            regex.append(Pattern.quote(segment));
            literals++;
          }
        }
        templates.add(new Template(path, Pattern.compile(path.equals("/") ? "^/$" : regex.append('$').toString()),
            literals));
      }
    }

    static Contract load() {
      try (InputStream in = OpenApiConformanceTest.class.getResourceAsStream("/openapi.yaml")) {
        assertThat(in).as("openapi.yaml on the class path (the api-gateway jar)").isNotNull();
        return new Contract(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Every operation, as {@code "METHOD /path"}. */
    Set<String> operations() {
      Set<String> out = new TreeSet<>();
      for (Template t : templates) {
        JsonNode item = doc.get("paths").get(t.path());
        for (String m : METHODS) {
          if (item.has(m)) {
            out.add(m.toUpperCase(Locale.ROOT) + " " + t.path());
          }
        }
      }
      return out;
    }

    boolean matches(String schema, String value) {
      return value != null && validate("/components/schemas/" + schema, JsonNodeFactory.instance.stringNode(value))
          .isEmpty();
    }

    /** Checks the request now; {@link Exchange#answer} checks the answer. */
    Exchange exchange(String method, String target, String[] headers, String body, boolean withToken) {
      URI uri = URI.create(target);
      String path = uri.getRawPath();
      String m = method.toLowerCase(Locale.ROOT);
      Template found = null;
      for (Template t : templates) {
        if (t.regex().matcher(path).matches() && doc.get("paths").get(t.path()).has(m)
            && (found == null || t.literals() > found.literals())) {
          found = t;
        }
      }
      assertThat(found).as(method + " " + path + ": no operation of openapi.yaml").isNotNull();
      String itemPointer = "/paths/" + escape(found.path());
      String opPointer = itemPointer + "/" + m;
      JsonNode op = doc.at(opPointer);
      List<String> faults = new ArrayList<>();

      // Parameters: path-level and operation-level, by location and name.
      Map<String, String> parameters = new LinkedHashMap<>();
      for (String owner : List.of(itemPointer, opPointer)) {
        JsonNode list = doc.at(owner + "/parameters");
        for (int i = 0; i < list.size(); i++) {
          String pointer = resolve(owner + "/parameters/" + i);
          JsonNode p = doc.at(pointer);
          parameters.put(p.get("in").asString() + ":" + p.get("name").asString().toLowerCase(Locale.ROOT), pointer);
        }
      }
      Map<String, String> query = new LinkedHashMap<>();
      if (uri.getRawQuery() != null) {
        for (String pair : uri.getRawQuery().split("&")) {
          int eq = pair.indexOf('=');
          String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
          query.put(name, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
      List<String> invalidInput = new ArrayList<>();
      query.forEach((name, value) -> {
        String pointer = parameters.get("query:" + name.toLowerCase(Locale.ROOT));
        if (pointer == null) {
          invalidInput.add("query parameter '" + name + "' is not documented");
        } else {
          invalidInput.addAll(prefixed(name, validate(pointer + "/schema", typed(pointer + "/schema", value))));
        }
      });
      for (int i = 0; i + 1 < headers.length; i += 2) {
        String pointer = parameters.get("header:" + headers[i].toLowerCase(Locale.ROOT));
        if (pointer == null) {
          faults.add("request header '" + headers[i] + "' is not documented");
        } else {
          invalidInput.addAll(prefixed(headers[i], validate(pointer + "/schema", typed(pointer + "/schema",
              headers[i + 1]))));
        }
      }
      if (body != null) {
        JsonNode rb = doc.at(resolve(opPointer + "/requestBody"));
        if (rb.isMissingNode()) {
          faults.add("a body was sent; the operation takes none");
        } else {
          String bodyPointer = resolve(opPointer + "/requestBody") + "/content/application~1json/schema";
          if (doc.at(bodyPointer).isMissingNode()) {
            faults.add("the operation takes no application/json body");
          } else if (!body.isBlank()) {
            try {
              invalidInput.addAll(prefixed("body", validate(bodyPointer, JSON.readTree(body))));
            } catch (RuntimeException e) {
              invalidInput.add("body: not JSON");
            }
          }
        }
      }
      JsonNode security = op.has("security") ? op.get("security") : doc.get("security");
      boolean secured = security != null && !security.isEmpty();
      assertThat(faults).as(method + " " + target + ": the request against openapi.yaml").isEmpty();
      return new Exchange(this, method + " " + target, method.toUpperCase(Locale.ROOT) + " " + found.path(), opPointer,
          invalidInput, secured && !withToken);
    }

    /** One request, checked; its answer is checked by {@link #answer}. */
    record Exchange(Contract contract, String request, String operation, String pointer, List<String> invalidInput,
        boolean unauthenticated) {

      void answer(int status, String contentType, String body, Map<String, List<String>> headers) {
        String what = request + " -> " + status + " " + (body == null ? "(stream)" : abbreviated(body));
        JsonNode responses = contract.doc.at(pointer + "/responses");
        String key = Integer.toString(status);
        if (!responses.has(key)) {
          key = responses.has("default") ? "default" : null;
        }
        assertThat(key).as(what + ": status " + status + " is not documented for " + operation).isNotNull();
        List<String> faults = new ArrayList<>();
        if (unauthenticated && status != 401) {
          faults.add("a request without a token to a secured operation must get 401");
        }
        if (status / 100 == 2 && !invalidInput.isEmpty()) {
          faults.add("the request was accepted, but openapi.yaml says it is invalid: " + invalidInput);
        }
        String answerPointer = contract.resolve(pointer + "/responses/" + key);
        JsonNode answer = contract.doc.at(answerPointer);
        JsonNode content = answer.get("content");
        if (content == null || content.isEmpty()) {
          if (body != null && !body.isEmpty()) {
            faults.add("a body, where openapi.yaml documents none");
          }
        } else {
          String media = contentType == null ? null : contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
          if (media == null || !content.has(media)) {
            faults.add("Content-Type " + contentType + " is not one of " + content.propertyNames());
          } else if (body != null && (media.equals("application/json") || media.endsWith("+json"))) {
            try {
              faults.addAll(contract.validate(answerPointer + "/content/" + escape(media) + "/schema",
                  JSON.readTree(body)));
            } catch (RuntimeException e) {
              faults.add("the body is not JSON: " + e.getMessage());
            }
          }
        }
        JsonNode documented = answer.get("headers");
        if (documented != null) {
          for (String name : documented.propertyNames()) {
            List<String> values = headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                .flatMap(e -> e.getValue().stream()).toList();
            String headerPointer = contract.resolve(answerPointer + "/headers/" + escape(name)) + "/schema";
            for (String v : values) {
              faults.addAll(prefixed("header " + name, contract.validate(headerPointer,
                  contract.typed(headerPointer, v))));
            }
          }
        }
        assertThat(faults).as(what + ": the answer against openapi.yaml (" + operation + " " + key + ")").isEmpty();
      }

      /** Checks one Server-Sent Event's data against the schema the document gives for its kind. */
      List<String> event(String kind, String data) {
        String schema = pointer + "/responses/200/x-sse-data/" + escape(kind);
        if (contract.doc.at(schema).isMissingNode()) {
          return List.of("event kind '" + kind + "' is not documented");
        }
        try {
          return contract.validate(schema, JSON.readTree(data));
        } catch (RuntimeException e) {
          return List.of("not JSON");
        }
      }
    }

    /** The pointer of the object at {@code pointer}, following its {@code $ref} (within the document). */
    String resolve(String pointer) {
      JsonNode node = doc.at(pointer);
      int hops = 0;
      while (node.has("$ref")) {
        String ref = node.get("$ref").asString();
        assertThat(ref).as("only references within openapi.yaml").startsWith("#/");
        pointer = ref.substring(1);
        node = doc.at(pointer);
        assertThat(++hops).as("a $ref cycle at " + pointer).isLessThan(10);
      }
      return pointer;
    }

    List<String> validate(String pointer, JsonNode value) {
      Schema schema = schemas.computeIfAbsent(pointer, p -> registry.getSchema(SchemaLocation.of(ID + "#" + p)));
      return schema.validate(value).stream().map(Object::toString).toList();
    }

    /** A parameter's text as the JSON value its schema speaks of (a number, a boolean, or the text). */
    JsonNode typed(String schemaPointer, String value) {
      JsonNode schema = doc.at(resolve(schemaPointer));
      String type = schema.has("type") ? schema.get("type").asString() : "string";
      try {
        switch (type) {
          case "integer" -> {
            return JsonNodeFactory.instance.numberNode(Long.parseLong(value));
          }
          case "boolean" -> {
            if (value.equals("true") || value.equals("false")) {
              return JsonNodeFactory.instance.booleanNode(Boolean.parseBoolean(value));
            }
            return JsonNodeFactory.instance.stringNode(value);
          }
          default -> {
            return JsonNodeFactory.instance.stringNode(value);
          }
        }
      } catch (NumberFormatException e) {
        return JsonNodeFactory.instance.stringNode(value);
      }
    }

    private static List<String> prefixed(String what, List<String> errors) {
      return errors.stream().map(e -> what + ": " + e).toList();
    }

    static String escape(String token) {
      return token.replace("~", "~0").replace("/", "~1");
    }

    private static String abbreviated(String body) {
      return body.length() <= 600 ? body : body.substring(0, 600) + "...";
    }
  }
}
