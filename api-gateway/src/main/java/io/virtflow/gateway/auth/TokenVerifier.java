package io.virtflow.gateway.auth;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.virtflow.gateway.domain.Principal;
import io.virtflow.gateway.domain.Refusal;
import io.virtflow.gateway.domain.Role;

/**
 * Checks a bearer token (a JWT signed ES256 with the configured key) and turns it into a
 * {@link Principal}. Refused with {@link Refusal#unauthenticated}: a missing, malformed or forged
 * token, one signed with another algorithm, expired, not yet valid, of another issuer or audience,
 * without {@code exp} or {@code sub}, or naming no known role.
 *
 * <p>An ES256 signature check costs about a millisecond of CPU here, which would make it the gateway's
 * largest cost per request (a command and its long poll are two requests). Tokens that passed the check
 * are therefore remembered, by their exact text, in a bounded LRU with their validity window: a
 * remembered token is accepted again without the signature check only while it is valid ({@code nbf} ≤
 * now &lt; {@code exp}); out of its window it is forgotten and checked in full, which refuses it. Refused
 * tokens are never remembered, so garbage cannot evict real ones.
 */
public final class TokenVerifier {
  public static final String ALGORITHM = "ES256";
  public static final String DEFAULT_ISSUER = "virtflow";
  public static final String DEFAULT_AUDIENCE = "virtflow-api";
  /** Longest subject and project name accepted, and most projects in one token. */
  static final int NAME_MAX = 255;
  static final int PROJECTS_MAX = 1000;
  private static final String BEARER = "Bearer ";

  /** How many verified tokens are remembered. */
  static final int CACHE_MAX = 4096;

  /** A token that passed the full check, and the milliseconds between which it stays valid. */
  private record Verified(Principal principal, long notBeforeMs, long expiresMs) {
    boolean validAt(long nowMs) {
      return nowMs >= notBeforeMs && nowMs < expiresMs;
    }
  }

  private final JWTAuth jwt;
  private final LongSupplier clockMs;
  private final Map<String, Verified> verified;
  private long signatureChecks;

  public TokenVerifier(Vertx vertx, String publicKeyPem, String issuer, String audience) {
    this(vertx, publicKeyPem, issuer, audience, System::currentTimeMillis, CACHE_MAX);
  }

  /** Tests: the clock the cache judges validity by (Vert.x's own check uses the system clock), and its bound. */
  TokenVerifier(Vertx vertx, String publicKeyPem, String issuer, String audience, LongSupplier clockMs,
      int cacheMax) {
    this.clockMs = clockMs;
    this.verified = new LinkedHashMap<>(64, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Verified> eldest) {
        return size() > cacheMax;
      }
    };
    KeyFiles.readPublicKey(publicKeyPem);
    this.jwt = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm(ALGORITHM).setBuffer(publicKeyPem))
        // No leeway: the clocks of one deployment are expected to agree within a second.
        .setJWTOptions(new JWTOptions().setIssuer(issuer).setAudience(List.of(audience)).setLeeway(0)));
  }

  /** The principal of an {@code Authorization} header value ({@code Bearer <token>}). */
  public Future<Principal> verifyHeader(String authorization) {
    if (authorization == null || authorization.isEmpty()) {
      return Future.failedFuture(Refusal.unauthenticated("a bearer token is required (Authorization: Bearer <token>)"));
    }
    if (authorization.length() <= BEARER.length()
        || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return Future.failedFuture(Refusal.unauthenticated("the Authorization header must be 'Bearer <token>'"));
    }
    return verify(authorization.substring(BEARER.length()).trim());
  }

  /** The principal of a token. */
  public Future<Principal> verify(String token) {
    if (token == null || token.isEmpty()) {
      return Future.failedFuture(Refusal.unauthenticated("a bearer token is required"));
    }
    if (token.chars().filter(c -> c == '.').count() != 2) {
      return Future.failedFuture(Refusal.unauthenticated("the token is not a signed JWT"));
    }
    Principal known = remembered(token);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    Future<io.vertx.ext.auth.User> user;
    synchronized (verified) {
      signatureChecks++;
    }
    try {
      user = jwt.authenticate(new TokenCredentials(token));
    } catch (RuntimeException e) {
      return Future.failedFuture(Refusal.unauthenticated("the token is invalid"));
    }
    return user.transform(ar -> {
      if (ar.failed()) {
        return Future.failedFuture(Refusal.unauthenticated("the token is invalid: " + reason(ar.cause())));
      }
      try {
        JsonObject claims = ar.result().attributes().getJsonObject("accessToken");
        Principal principal = principal(claims);
        remember(token, principal, claims);
        return Future.succeededFuture(principal);
      } catch (Refusal r) {
        return Future.failedFuture(r);
      } catch (RuntimeException e) {
        return Future.failedFuture(Refusal.unauthenticated("the token's claims are malformed"));
      }
    });
  }

  /** The principal of a token verified before and valid now, or null (then it is checked in full). */
  private Principal remembered(String token) {
    synchronized (verified) {
      Verified v = verified.get(token);
      if (v == null) {
        return null;
      }
      if (v.validAt(clockMs.getAsLong())) {
        return v.principal();
      }
      verified.remove(token);
      return null;
    }
  }

  private void remember(String token, Principal principal, JsonObject claims) {
    long expiresMs = claims.getLong("exp") * 1000;
    long notBeforeMs = claims.getValue("nbf") instanceof Number n ? n.longValue() * 1000 : Long.MIN_VALUE;
    synchronized (verified) {
      verified.put(token, new Verified(principal, notBeforeMs, expiresMs));
    }
  }

  /** How many verified tokens are remembered now (tests). */
  int remembered() {
    synchronized (verified) {
      return verified.size();
    }
  }

  /** How many tokens went through the full signature check so far (tests). */
  long signatureChecks() {
    synchronized (verified) {
      return signatureChecks;
    }
  }

  /** Vert.x's reasons are short and name no key material; anything long is cut. */
  private static String reason(Throwable t) {
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return m.length() > 120 ? m.substring(0, 120) : m;
  }

  static Principal principal(JsonObject claims) {
    if (claims == null) {
      throw Refusal.unauthenticated("the token carries no claims");
    }
    if (!(claims.getValue("exp") instanceof Number)) {
      throw Refusal.unauthenticated("the token has no expiry (exp)");
    }
    Object sub = claims.getValue("sub");
    if (!(sub instanceof String s) || s.isBlank() || s.length() > NAME_MAX) {
      throw Refusal.unauthenticated("the token names no subject (sub)");
    }
    Object roleClaim = claims.getValue("role");
    Role role = roleClaim instanceof String r ? Role.fromClaim(r).orElse(null) : null;
    if (role == null) {
      throw Refusal.unauthenticated("the token names no known role (viewer, operator, admin)");
    }
    Set<String> projects = new HashSet<>();
    Object p = claims.getValue("projects");
    if (p != null) {
      if (!(p instanceof JsonArray array) || array.size() > PROJECTS_MAX) {
        throw Refusal.unauthenticated("the token's projects claim is not a list of project names");
      }
      for (Object o : array) {
        if (!(o instanceof String name) || name.isBlank() || name.length() > NAME_MAX) {
          throw Refusal.unauthenticated("the token's projects claim is not a list of project names");
        }
        projects.add(name);
      }
    }
    return new Principal(s, role, projects);
  }
}
