package io.virtflow.gateway.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.virtflow.gateway.domain.FailureCode;

/**
 * The first look at every request, before the router: a request target with a broken percent-escape
 * ({@code /v1/commands/%zz}) fails Vert.x's path decoding before any route runs, and Vert.x answers a bare
 * {@code 400 Bad Request} in plain text and closes. Here it gets a problem document with a code, like any
 * other bad input.
 */
public final class RequestGate implements Handler<HttpServerRequest> {
  private final Handler<HttpServerRequest> next;

  public RequestGate(Handler<HttpServerRequest> next) {
    this.next = next;
  }

  @Override
  public void handle(HttpServerRequest request) {
    String target = request.uri();
    try {
      URLDecoder.decode(target.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      Problems.send(request.response(), 400, FailureCode.INVALID_ARG, null,
          "the request target has a malformed percent-escape: " + e.getMessage());
      return;
    }
    next.handle(request);
  }
}
