package io.virtflow.gateway.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import io.virtflow.gateway.domain.FailureCode;

/**
 * The ops console's three files ({@code src/main/resources/console/}), served at {@code /} and
 * {@code /console/*} without a token: the page holds no data, it asks {@code /v1} for everything with the
 * token its user signs in with. Read from the class path once, at start (a missing one fails the start).
 *
 * <p>Every answer carries a Content-Security-Policy that allows only the gateway's own origin (no inline
 * script or style, no other host, no framing), and {@code Cache-Control: no-cache} with an ETag: a browser
 * keeps the files but asks each time whether they changed (a 304 when not), so a new gateway's page shows at
 * once without a build step that renames files.
 */
final class ConsoleAssets {
  static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
      + "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
      + "frame-ancestors 'none'";
  private static final String DIR = "console/";
  private static final Map<String, String> TYPES = Map.of(
      "index.html", "text/html; charset=utf-8",
      "app.js", "text/javascript; charset=utf-8",
      "app.css", "text/css; charset=utf-8");

  private record Asset(Buffer body, String type, String etag) {
  }

  private final Map<String, Asset> assets;

  ConsoleAssets() {
    Map<String, Asset> loaded = new java.util.HashMap<>();
    TYPES.forEach((name, type) -> {
      byte[] bytes = read(DIR + name);
      loaded.put(name, new Asset(Buffer.buffer(bytes), type, etag(bytes)));
    });
    this.assets = Map.copyOf(loaded);
  }

  /** {@code GET /}: the page. */
  void index(RoutingContext ctx) {
    serve(ctx, assets.get("index.html"));
  }

  /** {@code GET /console/{file}}: the page, its script, its style; anything else is 404. */
  void file(RoutingContext ctx) {
    Asset a = assets.get(ctx.pathParam("file"));
    if (a == null) {
      Problems.send(ctx, 404, FailureCode.INVALID_ARG, null, "no such resource: GET " + ctx.request().path());
      return;
    }
    serve(ctx, a);
  }

  private static void serve(RoutingContext ctx, Asset a) {
    HttpServerResponse r = ctx.response();
    r.putHeader("Content-Security-Policy", CSP)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("ETag", a.etag());
    String since = ctx.request().getHeader("If-None-Match");
    if (since != null && since.contains(a.etag())) {
      r.setStatusCode(304).end();
      return;
    }
    r.putHeader("Content-Type", a.type()).end(a.body());
  }

  private static byte[] read(String resource) {
    try (InputStream in = ConsoleAssets.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the console's " + resource + " is not on the class path");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String etag(byte[] bytes) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
      return "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
