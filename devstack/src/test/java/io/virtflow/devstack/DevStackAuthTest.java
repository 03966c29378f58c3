package io.virtflow.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.virtflow.gateway.domain.Role;

/** The dev stack's keys and admin token, and tokens minted for it, end to end over HTTP. */
class DevStackAuthTest {

  @Test
  void theAdminTokenIsWrittenForTheOwnerOnlyAndMintedTokensCarryTheirRoleAndProjects(@TempDir Path dataDir)
      throws Exception {
    try (DevStack stack = Stacks.upWithHosts(1, dataDir)) {
      Path tokenFile = DevStack.adminTokenFile(dataDir);
      assertThat(Files.readString(tokenFile).trim()).isEqualTo(stack.adminToken());
      assertThat(Files.getPosixFilePermissions(tokenFile)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
      assertThat(Files.getPosixFilePermissions(DevStack.keysDir(dataDir).resolve("jwt-private.pem")))
          .isEqualTo(PosixFilePermissions.fromString("rw-------"));

      Http admin = new Http(stack.httpUrl());
      assertThat(admin.withToken(null).get("/v1/domains").status()).isEqualTo(401);
      assertThat(admin.get("/health").status()).isEqualTo(200);
      assertThat(admin.run("/v1/domains", "{\"name\":\"auth1\",\"vcpus\":1,\"memoryMiB\":128}").getString("status"))
          .isEqualTo("SUCCEEDED");
      assertThat(admin.get("/v1/domains/auth1").json().getString("project")).isEqualTo(DevStack.DEFAULT_PROJECT);

      Http viewer = admin.withToken(stack.mintToken("vic", Role.VIEWER, List.of("default"), Duration.ofMinutes(5)));
      assertThat(viewer.get("/v1/domains/auth1").status()).isEqualTo(200);
      Http.Answer refused = viewer.post("/v1/domains/auth1/start", "{}");
      assertThat(refused.status()).isEqualTo(403);
      assertThat(refused.json().getString("code")).isEqualTo("ACCESS_DENIED");

      Http stranger = admin.withToken(stack.mintToken("sam", Role.OPERATOR, List.of("other"), Duration.ofMinutes(5)));
      assertThat(stranger.get("/v1/domains/auth1").status()).isEqualTo(404);
      assertThat(stranger.post("/v1/domains/auth1/start", "{}").status()).isEqualTo(404);
      assertThat(stranger.run("/v1/domains", "{\"name\":\"auth2\",\"vcpus\":1,\"memoryMiB\":128}")
          .getString("status")).isEqualTo("SUCCEEDED");
      assertThat(stranger.get("/v1/domains").json().getJsonArray("domains").stream()
          .map(d -> ((io.vertx.core.json.JsonObject) d).getString("name")).toList()).containsExactly("auth2");

      // The data dir's key signs tokens the running stack accepts.
      String minted = DevStack.mintToken(dataDir, "ci", Role.OPERATOR, List.of("default"), Duration.ofMinutes(5));
      assertThat(admin.withToken(minted).get("/v1/domains/auth1").status()).isEqualTo(200);
    }
  }
}
