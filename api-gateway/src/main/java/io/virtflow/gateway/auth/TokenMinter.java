package io.virtflow.gateway.auth;

import java.security.PrivateKey;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.virtflow.gateway.domain.Role;

/**
 * Signs tokens (ES256) with a private key: the dev stack's admin token, {@code virtflow token}, tests.
 * Claims: {@code sub}, {@code role}, {@code projects}, {@code iss}, {@code aud}, {@code iat}, {@code exp}.
 */
public final class TokenMinter {
  private final JWTAuth jwt;
  private final String issuer;
  private final String audience;

  public TokenMinter(Vertx vertx, PrivateKey key, String issuer, String audience) {
    this.jwt = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions()
        .setAlgorithm(TokenVerifier.ALGORITHM).setBuffer(KeyFiles.privatePem(key))));
    this.issuer = Objects.requireNonNull(issuer);
    this.audience = Objects.requireNonNull(audience);
  }

  /** With the default issuer and audience. */
  public TokenMinter(Vertx vertx, PrivateKey key) {
    this(vertx, key, TokenVerifier.DEFAULT_ISSUER, TokenVerifier.DEFAULT_AUDIENCE);
  }

  public String mint(String subject, Role role, List<String> projects, Duration ttl) {
    if (subject == null || subject.isBlank()) {
      throw new IllegalArgumentException("the subject must not be blank");
    }
    if (ttl.isNegative() || ttl.isZero() || ttl.getSeconds() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("the lifetime must be positive and below 68 years, got " + ttl);
    }
    JsonObject claims = new JsonObject().put("role", role.claim()).put("projects", new JsonArray(List.copyOf(projects)));
    return jwt.generateToken(claims, options(subject).setExpiresInSeconds((int) Math.max(1, ttl.getSeconds())));
  }

  /** A token with any claims (tests of the verifier): {@code claims} is the whole payload, nothing is added. */
  public String mintRaw(JsonObject claims) {
    return jwt.generateToken(claims, new JWTOptions().setAlgorithm(TokenVerifier.ALGORITHM).setNoTimestamp(true));
  }

  private JWTOptions options(String subject) {
    return new JWTOptions().setAlgorithm(TokenVerifier.ALGORITHM).setIssuer(issuer).setAudience(List.of(audience))
        .setSubject(subject);
  }
}
