package io.virtflow.devstack.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * The CLI's side of the HTTP API: one gateway URL and the bearer token read from a file, over the JDK's
 * {@link HttpClient}. Every failure to talk to the gateway at all becomes a {@link CliFailure} of class
 * {@link ExitCode#UNAVAILABLE}; an answer that is not a success is returned as it is (see
 * {@link #expect}).
 */
final class Gateway {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  /** Plain requests; the gateway answers every one within its own 30 s request limit. */
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(40);

  // HTTP/1.1, as curl speaks to an http:// URL: the JDK's default HTTP/2 upgrade gains nothing here.
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(CONNECT_TIMEOUT).build();
  private final String base;
  private final Path tokenFile;
  private String token;

  Gateway(String url, Path tokenFile) {
    String trimmed = url == null ? "" : url.strip();
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    URI uri;
    try {
      uri = URI.create(trimmed);
    } catch (IllegalArgumentException e) {
      throw CliFailure.badInput("--url '" + url + "' is not a URL: " + e.getMessage());
    }
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
      throw CliFailure.badInput("--url must be an http:// or https:// URL with a host, not '" + url + "'");
    }
    this.base = trimmed;
    this.tokenFile = tokenFile;
  }

  String base() {
    return base;
  }

  /** A path segment: a domain, snapshot or command reference as the user typed it. */
  static String segment(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }

  static String query(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  /** One answer: status, body and content type. */
  record Answer(int status, String body, String contentType) {
    boolean success() {
      return status >= 200 && status < 300;
    }

    JsonObject json() {
      try {
        return new JsonObject(body);
      } catch (DecodeException | ClassCastException e) {
        throw new CliFailure(ExitCode.FAILURE, "the gateway answered " + status + " with something that is not a "
            + "JSON object: " + (body.length() > 200 ? body.substring(0, 200) + "..." : body));
      }
    }
  }

  Answer get(String path) {
    return send(builder(path).GET(), REQUEST_TIMEOUT);
  }

  /** A long poll: the request may take {@code waitMs} on top of the gateway's usual answer time. */
  Answer get(String path, long waitMs) {
    return send(builder(path).GET(), REQUEST_TIMEOUT.plusMillis(waitMs));
  }

  Answer post(String path, String json) {
    return send(builder(path).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json == null ? "" : json)), REQUEST_TIMEOUT);
  }

  Answer delete(String path) {
    return send(builder(path).DELETE(), REQUEST_TIMEOUT);
  }

  /** The answer's JSON when its status is a success; otherwise the failure its problem describes. */
  static JsonObject expect(Answer answer) {
    if (!answer.success()) {
      throw CliFailure.ofAnswer(answer);
    }
    return answer.json();
  }

  /** A streaming GET (Server-Sent Events): no request time limit; the caller closes the body. */
  HttpResponse<InputStream> stream(String path, Map<String, String> headers) throws IOException,
      InterruptedException {
    HttpRequest.Builder b = builder(path).GET();
    headers.forEach(b::header);
    return client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
  }

  private HttpRequest.Builder builder(String path) {
    return HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token())
        .header("Accept", "application/json");
  }

  private Answer send(HttpRequest.Builder request, Duration timeout) {
    try {
      HttpResponse<String> r = client.send(request.timeout(timeout).build(),
          HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new Answer(r.statusCode(), r.body() == null ? "" : r.body(),
          r.headers().firstValue("Content-Type").orElse(""));
    } catch (IOException e) {
      throw unavailable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliFailure(ExitCode.FAILURE, "interrupted");
    }
  }

  /** The failure of not reaching the gateway at all. */
  CliFailure unavailable(IOException e) {
    String why;
    if (e instanceof ConnectException) {
      why = "connection refused";
    } else if (e instanceof HttpTimeoutException) {
      why = "no answer in time";
    } else {
      why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
    return new CliFailure(ExitCode.UNAVAILABLE, "cannot reach the gateway at " + base + ": " + why
        + " (is 'virtflow up' running? --url or VIRTFLOW_URL names another)");
  }

  private String token() {
    if (token == null) {
      try {
        token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
      } catch (IOException | RuntimeException e) {
        throw new CliFailure(ExitCode.AUTH, "cannot read the token file " + tokenFile + " (" + e.getClass()
            .getSimpleName() + "): give --token-file or VIRTFLOW_TOKEN_FILE ('virtflow up' writes "
            + "<data-dir>/admin.token, 'virtflow token' mints others)");
      }
      if (token.isEmpty()) {
        throw new CliFailure(ExitCode.AUTH, "the token file " + tokenFile + " is empty");
      }
    }
    return token;
  }
}
