package io.virtflow.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtflow.gateway.domain.Principal;
import io.virtflow.gateway.domain.Refusal;
import io.virtflow.gateway.domain.Role;

/**
 * The verified-token cache: a token checked once is accepted again without the signature check only inside
 * its validity window, refused tokens are never remembered, and the cache stays bounded.
 */
class TokenVerifierCacheTest {
  private static final Vertx VERTX = Vertx.vertx();
  private static final KeyPair PAIR = KeyFiles.generate();
  private static final TokenMinter MINTER = new TokenMinter(VERTX, PAIR.getPrivate());
  private final AtomicLong shiftMs = new AtomicLong();
  private final TokenVerifier verifier = verifier(TokenVerifier.CACHE_MAX);

  @AfterAll
  static void close() {
    VERTX.close();
  }

  private TokenVerifier verifier(int cacheMax) {
    return new TokenVerifier(VERTX, KeyFiles.publicPem(PAIR.getPublic()), TokenVerifier.DEFAULT_ISSUER,
        TokenVerifier.DEFAULT_AUDIENCE, () -> System.currentTimeMillis() + shiftMs.get(), cacheMax);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static Throwable refusal(Future<?> f) throws Exception {
    try {
      await(f);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("accepted");
  }

  private static JsonObject claims(String sub) {
    long now = System.currentTimeMillis() / 1000;
    return new JsonObject().put("sub", sub).put("role", "viewer").put("projects", new JsonArray().add("p1"))
        .put("iss", TokenVerifier.DEFAULT_ISSUER).put("aud", TokenVerifier.DEFAULT_AUDIENCE).put("iat", now)
        .put("exp", now + 600);
  }

  @Test
  void aVerifiedTokenIsAcceptedAgainWithoutASecondSignatureCheck() throws Exception {
    String token = MINTER.mint("alice", Role.OPERATOR, List.of("p1"), Duration.ofMinutes(10));
    Principal first = await(verifier.verify(token));
    Principal again = await(verifier.verify(token));
    assertThat(again).isEqualTo(first);
    assertThat(again.name()).isEqualTo("alice");
    assertThat(verifier.signatureChecks()).isEqualTo(1);
    assertThat(verifier.remembered()).isEqualTo(1);
  }

  @Test
  void pastItsExpiryTheCacheNoLongerVouchesForAToken() throws Exception {
    String token = MINTER.mint("bob", Role.VIEWER, List.of("p1"), Duration.ofMinutes(10));
    await(verifier.verify(token));
    shiftMs.set(Duration.ofMinutes(11).toMillis());
    // Vert.x checks on the real clock, where the token is still valid; what matters is that the cache did
    // not answer: the signature was checked again.
    await(verifier.verify(token));
    assertThat(verifier.signatureChecks()).isEqualTo(2);
  }

  @Test
  void beforeItsNotBeforeTheCacheNoLongerVouchesForAToken() throws Exception {
    long now = System.currentTimeMillis() / 1000;
    String token = MINTER.mintRaw(claims("dave").put("nbf", now - 1));
    await(verifier.verify(token));
    shiftMs.set(-Duration.ofMinutes(20).toMillis());
    await(verifier.verify(token));
    assertThat(verifier.signatureChecks()).isEqualTo(2);
    shiftMs.set(0);
    await(verifier.verify(token));
    assertThat(verifier.signatureChecks()).isEqualTo(2);
  }

  @Test
  void anExpiredTokenIsRefusedEveryTimeAndNeverRemembered() throws Exception {
    long now = System.currentTimeMillis() / 1000;
    String token = MINTER.mintRaw(claims("carol").put("iat", now - 600).put("exp", now - 60));
    assertThat(refusal(verifier.verify(token))).isInstanceOf(Refusal.class);
    assertThat(refusal(verifier.verify(token))).isInstanceOf(Refusal.class);
    assertThat(verifier.signatureChecks()).isEqualTo(2);
    assertThat(verifier.remembered()).isZero();
  }

  @Test
  void aForgedTokenIsNeverRemembered() throws Exception {
    String token = new TokenMinter(VERTX, KeyFiles.generate().getPrivate())
        .mint("mallory", Role.ADMIN, List.of("p1"), Duration.ofMinutes(10));
    assertThat(refusal(verifier.verify(token))).isInstanceOf(Refusal.class);
    assertThat(refusal(verifier.verify(token))).isInstanceOf(Refusal.class);
    assertThat(verifier.remembered()).isZero();
  }

  @Test
  void aTokenWithBadClaimsIsNeverRemembered() throws Exception {
    String token = MINTER.mintRaw(claims("erin").put("role", "root"));
    assertThat(refusal(verifier.verify(token))).isInstanceOf(Refusal.class);
    assertThat(verifier.remembered()).isZero();
  }

  @Test
  void theCacheIsBoundedAndForgetsTheLeastRecentlyUsed() throws Exception {
    TokenVerifier small = verifier(3);
    String a = MINTER.mintRaw(claims("a"));
    await(small.verify(a));
    for (String sub : List.of("b", "c", "d")) {
      await(small.verify(MINTER.mintRaw(claims(sub))));
    }
    assertThat(small.remembered()).isEqualTo(3);
    long checks = small.signatureChecks();
    await(small.verify(a));
    assertThat(small.signatureChecks()).isEqualTo(checks + 1);
  }
}
