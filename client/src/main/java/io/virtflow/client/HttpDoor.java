package io.virtflow.client;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

import io.virtflow.schema.Cancel;
import io.virtflow.schema.CommandRequest;
import io.virtflow.schema.CommandStatusCode;
import io.virtflow.schema.CreateSnapshot;
import io.virtflow.schema.Define;
import io.virtflow.schema.DeleteSnapshot;
import io.virtflow.schema.Destroy;
import io.virtflow.schema.Disk;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.ErrorCode;
import io.virtflow.schema.Reboot;
import io.virtflow.schema.ReconcileSnapshots;
import io.virtflow.schema.Resume;
import io.virtflow.schema.RevertSnapshot;
import io.virtflow.schema.Shutdown;
import io.virtflow.schema.Start;
import io.virtflow.schema.Suspend;
import io.virtflow.schema.Undefine;

/**
 * The HTTP door (DESIGN §5): a {@link CommandRequest} becomes the matching gateway call, with the
 * request's {@code commandId} as its {@code Idempotency-Key} (so sending the same request again is safe),
 * then {@code GET /v1/commands/{id}?waitMs=} is long-polled until the status is terminal.
 */
final class HttpDoor {
  /** Below the gateway's default cap on waitMs (60 s). */
  private static final long MAX_WAIT_MS = 30_000;

  private final HttpClient http;
  private final URI base;

  HttpDoor(HttpClient http, URI base) {
    this.http = http;
    String s = base.toString();
    this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
  }

  CompletableFuture<CommandOutcome> submit(CommandRequest request, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    HttpRequest call;
    String token = request.getToken();
    try {
      HttpRequest.Builder b = translate(request).header("Idempotency-Key", request.getCommandId())
          .timeout(Duration.ofSeconds(30));
      call = authorized(b, token).build();
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    return http.sendAsync(call, HttpResponse.BodyHandlers.ofString()).thenCompose(answer -> {
      if (answer.statusCode() == 202) {
        String commandId = string(Json.object(answer.body()), "commandId");
        return poll(commandId, deadline, token);
      }
      return CompletableFuture.completedFuture(refusal(request, call, answer));
    });
  }

  /** The request's token as {@code Authorization: Bearer}; none when null. */
  private static HttpRequest.Builder authorized(HttpRequest.Builder b, String token) {
    return token == null ? b : b.header("Authorization", "Bearer " + token);
  }

  private CompletableFuture<CommandOutcome> poll(String commandId, long deadline, String token) {
    long remainingMs = (deadline - System.nanoTime()) / 1_000_000;
    if (remainingMs <= 0) {
      return CompletableFuture.failedFuture(new TimeoutException("command " + commandId
          + " did not reach a terminal status in time"));
    }
    long waitMs = Math.min(remainingMs, MAX_WAIT_MS);
    HttpRequest get = authorized(HttpRequest.newBuilder(uri("/v1/commands/" + segment(commandId),
        Map.of("waitMs", Long.toString(waitMs)))), token).timeout(Duration.ofMillis(waitMs + 15_000)).GET().build();
    return http.sendAsync(get, HttpResponse.BodyHandlers.ofString()).thenCompose(answer -> {
      if (answer.statusCode() != 200) {
        return CompletableFuture.failedFuture(new VirtflowClientException("GET " + get.uri() + " answered "
            + answer.statusCode() + ": " + Json.abbreviate(answer.body()), answer.statusCode()));
      }
      Map<String, Object> doc = Json.object(answer.body());
      CommandStatusCode status = CommandStatusCode.valueOf(string(doc, "status"));
      if (!CommandOutcome.isTerminal(status)) {
        return poll(commandId, deadline, token);
      }
      Object result = doc.get("result");
      return CompletableFuture.completedFuture(new CommandOutcome(string(doc, "commandId"), string(doc, "domainId"),
          string(doc, "hostId"), string(doc, "operation"), status, errorCode(string(doc, "code")),
          string(doc, "message"), doc.get("domainState") == null ? null
              : DomainStateCode.valueOf(string(doc, "domainState")),
          result == null ? null : result instanceof String s ? s : Json.write(result)));
    });
  }

  /** A problem+json answer is the gateway refusing the request: REJECTED with its code and detail. */
  private static CommandOutcome refusal(CommandRequest request, HttpRequest call, HttpResponse<String> answer) {
    String type = answer.headers().firstValue("content-type").orElse("");
    if (!type.startsWith("application/problem+json")) {
      throw new VirtflowClientException(call.method() + " " + call.uri() + " answered " + answer.statusCode()
          + ": " + Json.abbreviate(answer.body()), answer.statusCode());
    }
    Map<String, Object> problem = Json.object(answer.body());
    String detail = string(problem, "detail");
    return new CommandOutcome(request.getCommandId(), null, null, null, CommandStatusCode.REJECTED,
        errorCode(string(problem, "code")), detail != null ? detail : string(problem, "title"), null, null);
  }

  private HttpRequest.Builder translate(CommandRequest r) {
    Object p = r.getPayload();
    Map<String, String> query = new LinkedHashMap<>();
    if (r.getTimeoutMs() != null) {
      query.put("timeoutMs", Long.toString(r.getTimeoutMs()));
    }
    if (p instanceof Define d) {
      return post("/v1/domains", query, defineBody(r, d));
    }
    if (p instanceof Cancel c) {
      return post("/v1/commands/" + segment(c.getTargetCommandId()) + "/cancel", query, null);
    }
    String domain = "/v1/domains/" + segment(required(r));
    if (p instanceof Start s) {
      return post(domain + "/start", query, s.getPaused() ? Json.write(Map.of("paused", true)) : null);
    }
    String action = p instanceof Shutdown ? "shutdown" : p instanceof Reboot ? "reboot"
        : p instanceof Destroy ? "destroy" : p instanceof Suspend ? "suspend" : p instanceof Resume ? "resume" : null;
    if (action != null) {
      return post(domain + "/" + action, query, null);
    }
    if (p instanceof Undefine u) {
      flag(query, "force", u.getForce());
      flag(query, "snapshotsMetadata", u.getSnapshotsMetadata());
      flag(query, "removeStorage", u.getRemoveStorage());
      return HttpRequest.newBuilder(uri(domain, query)).DELETE();
    }
    if (p instanceof CreateSnapshot s) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("name", s.getName());
      body.put("kind", s.getKind().name());
      if (s.getDescription() != null) {
        body.put("description", s.getDescription());
      }
      body.put("quiesce", s.getQuiesce());
      body.put("memory", s.getMemory());
      return post(domain + "/snapshots", query, Json.write(body));
    }
    if (p instanceof RevertSnapshot s) {
      return post(domain + "/snapshots/" + segment(s.getName()) + "/revert", query,
          Json.write(Map.of("start", s.getStart().name(), "force", s.getForce())));
    }
    if (p instanceof DeleteSnapshot s) {
      flag(query, "children", s.getChildren());
      flag(query, "childrenOnly", s.getChildrenOnly());
      flag(query, "metadataOnly", s.getMetadataOnly());
      return HttpRequest.newBuilder(uri(domain + "/snapshots/" + segment(s.getName()), query)).DELETE();
    }
    if (p instanceof ReconcileSnapshots) {
      return post(domain + "/snapshots/reconcile", query, null);
    }
    throw new IllegalArgumentException("no HTTP call for a " + p.getClass().getSimpleName() + " payload");
  }

  private static String defineBody(CommandRequest r, Define d) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", d.getName());
    if (r.getHost() != null) {
      body.put("host", r.getHost());
    }
    body.put("vcpus", d.getVcpus());
    body.put("memoryMiB", d.getMemoryMiB());
    List<Object> disks = new ArrayList<>();
    for (Disk disk : d.getDisks()) {
      if (disk.getPath() != null || !"qcow2".equals(disk.getFormat())) {
        throw new IllegalArgumentException("the HTTP API defines qcow2 disks in the host's pool only: disk "
            + disk.getTarget() + " names a path or format; submit over Kafka");
      }
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("target", disk.getTarget());
      one.put("sizeGiB", disk.getSizeGiB());
      if (disk.getImage() != null) {
        one.put("image", disk.getImage());
      }
      disks.add(one);
    }
    body.put("disks", disks);
    body.put("guestAgent", d.getGuestAgent());
    if (d.getBoot() != null) {
      Map<String, Object> boot = new LinkedHashMap<>();
      boot.put("kernel", d.getBoot().getKernel());
      if (d.getBoot().getInitrd() != null) {
        boot.put("initrd", d.getBoot().getInitrd());
      }
      if (d.getBoot().getCmdline() != null) {
        boot.put("cmdline", d.getBoot().getCmdline());
      }
      body.put("boot", boot);
    }
    if (!d.getInterfaces().isEmpty()) {
      List<Object> nics = new ArrayList<>();
      for (var n : d.getInterfaces()) {
        Map<String, Object> nic = new LinkedHashMap<>();
        if (n.getNetwork() != null) {
          nic.put("network", n.getNetwork());
        }
        if (n.getMac() != null) {
          nic.put("mac", n.getMac());
        }
        nics.add(nic);
      }
      body.put("interfaces", nics);
    }
    return Json.write(body);
  }

  private HttpRequest.Builder post(String path, Map<String, String> query, String json) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path, query));
    if (json == null) {
      return b.POST(HttpRequest.BodyPublishers.noBody());
    }
    return b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
  }

  private URI uri(String path, Map<String, String> query) {
    StringJoiner q = new StringJoiner("&", "?", "").setEmptyValue("");
    query.forEach((k, v) -> q.add(k + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return URI.create(base + path + q);
  }

  /** Only flags that are set: the gateway's defaults are false, and a shorter query reads better in logs. */
  private static void flag(Map<String, String> query, String name, boolean value) {
    if (value) {
      query.put(name, "true");
    }
  }

  private static String required(CommandRequest r) {
    if (r.getDomain() == null || r.getDomain().isEmpty()) {
      throw new IllegalArgumentException(r.getPayload().getClass().getSimpleName() + " needs a domain");
    }
    return r.getDomain();
  }

  private static String segment(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String string(Map<String, Object> doc, String field) {
    Object v = doc.get(field);
    return v == null ? null : v.toString();
  }

  private static ErrorCode errorCode(String code) {
    if (code == null) {
      return null;
    }
    try {
      return ErrorCode.valueOf(code);
    } catch (IllegalArgumentException e) {
      return ErrorCode.INTERNAL;
    }
  }

}
