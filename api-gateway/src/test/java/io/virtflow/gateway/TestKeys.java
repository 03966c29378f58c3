package io.virtflow.gateway;

import java.security.KeyPair;
import java.time.Duration;
import java.util.List;

import io.vertx.core.Vertx;
import io.virtflow.gateway.auth.KeyFiles;
import io.virtflow.gateway.auth.TokenMinter;
import io.virtflow.gateway.domain.Role;

/**
 * TEST FIXTURE — one token key pair for every gateway of this test JVM, and tokens signed with it. The
 * default admin token has the single project {@value #PROJECT}, so that defines without a
 * {@code project} land there, as with the dev stack's admin token.
 */
final class TestKeys {
  static final String PROJECT = "default";
  static final KeyPair PAIR = KeyFiles.generate();
  static final String PUBLIC_PEM = KeyFiles.publicPem(PAIR.getPublic());
  private static final Vertx VERTX = Vertx.vertx();
  static final TokenMinter MINTER = new TokenMinter(VERTX, PAIR.getPrivate());
  static final String ADMIN = token("admin", Role.ADMIN, PROJECT);

  private TestKeys() {
  }

  static String token(String sub, Role role, String... projects) {
    return MINTER.mint(sub, role, List.of(projects), Duration.ofHours(2));
  }

  /** The minting half of another key pair: tokens a gateway of this JVM must refuse. */
  static TokenMinter foreignMinter() {
    return new TokenMinter(VERTX, KeyFiles.generate().getPrivate());
  }

  static Vertx vertx() {
    return VERTX;
  }
}
