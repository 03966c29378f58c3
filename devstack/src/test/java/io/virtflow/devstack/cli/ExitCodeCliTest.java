package io.virtflow.devstack.cli;

import static io.virtflow.devstack.cli.CliStack.virtflow;
import static io.virtflow.devstack.cli.CliStack.virtflowAt;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.json.JsonObject;
import io.virtflow.devstack.cli.CliStack.Run;
import io.virtflow.gateway.domain.Role;

/**
 * One exit code per class of error, each with the error's message on stderr: bad input, not found,
 * refused by state, unsafe/unsupported, unavailable, auth; and {@code --json} prints the problem document.
 */
@ExtendWith(CliStack.class)
class ExitCodeCliTest {

  private static Run fails(ExitCode expected, Run r) {
    assertThat(r.exit()).as(r.toString()).isEqualTo(expected.code());
    return r;
  }

  @Test
  void badInputIsTwoWithTheGatewaysDetail() {
    Run r = fails(ExitCode.BAD_INPUT, virtflow("define", "--name", "a/b", "--vcpus", "1", "--memory", "512"));
    assertThat(r.err()).isEqualTo("error: name: must not contain '/' (INVALID_ARG)\n");
    assertThat(r.out()).isEmpty();
    Run json = fails(ExitCode.BAD_INPUT, virtflow("define", "--name", "a/b", "--vcpus", "1", "--memory", "512",
        "--json"));
    assertThat(json.json().getString("code")).isEqualTo("INVALID_ARG");
    assertThat(json.json().getString("field")).isEqualTo("name");
    // What picocli cannot parse is bad input too, with the usage.
    Run unknown = fails(ExitCode.BAD_INPUT, virtflow("list", "--bogus"));
    assertThat(unknown.err()).contains("Unknown option: '--bogus'", "Usage: virtflow list");
    fails(ExitCode.BAD_INPUT, virtflow("define", "--name", "x"));
    fails(ExitCode.BAD_INPUT, virtflowAt("not a url", CliStack.adminTokenFile(), "list"));
  }

  @Test
  void notFoundIsThree() {
    Run r = fails(ExitCode.NOT_FOUND, virtflow("dominfo", "no-such-vm"));
    assertThat(r.err()).isEqualTo("error: no domain with id or name 'no-such-vm' (NO_DOMAIN)\n");
    fails(ExitCode.NOT_FOUND, virtflow("start", "no-such-vm"));
    fails(ExitCode.NOT_FOUND, virtflow("snapshot-list", "no-such-vm"));
    fails(ExitCode.NOT_FOUND, virtflow("command", "00000000-0000-4000-8000-000000000000"));
    fails(ExitCode.NOT_FOUND, virtflow("cancel", "00000000-0000-4000-8000-000000000000"));
  }

  @Test
  void refusedByStateIsFourAndTheCommandsStatusIsTheJson() {
    assertThat(virtflow("define", "--name", "ref1", "--vcpus", "1", "--memory", "128").exit()).isZero();
    Run r = fails(ExitCode.REFUSED, virtflow("resume", "ref1"));
    assertThat(r.err()).startsWith("error: ").contains("shut off").endsWith("(OPERATION_INVALID)\n");
    Run json = fails(ExitCode.REFUSED, virtflow("resume", "ref1", "--json"));
    assertThat(json.json().getString("status")).isEqualTo("REJECTED");
    assertThat(json.json().getString("code")).isEqualTo("OPERATION_INVALID");
    // A name in use, an active domain undefined: refused as well.
    fails(ExitCode.REFUSED, virtflow("define", "--name", "ref1", "--vcpus", "1", "--memory", "128"));
    assertThat(virtflow("start", "ref1").exit()).isZero();
    assertThat(fails(ExitCode.REFUSED, virtflow("undefine", "ref1")).err()).contains("(OPERATION_INVALID)");
    // `command` of a command that ended refused exits with its class too.
    String commandId = json.json().getString("commandId");
    Run command = fails(ExitCode.REFUSED, virtflow("command", commandId));
    assertThat(command.out()).contains("Status:         REJECTED\n", "Code:           OPERATION_INVALID\n");
    // Cancel of a command that has ended.
    assertThat(fails(ExitCode.REFUSED, virtflow("cancel", commandId)).err()).contains("(OPERATION_INVALID)");
    virtflow("destroy", "ref1");
    virtflow("undefine", "ref1");
  }

  @Test
  void unsupportedIsFiveTheSimHasNoConsole() {
    assertThat(virtflow("define", "--name", "con1", "--vcpus", "1", "--memory", "128").exit()).isZero();
    Run r = fails(ExitCode.UNSAFE, virtflow("console", "con1", "--tail", "20"));
    assertThat(r.err()).startsWith("error: ").contains("console").endsWith("(OPERATION_UNSUPPORTED)\n");
    fails(ExitCode.BAD_INPUT, virtflow("console", "con1", "--tail", "0"));
    virtflow("undefine", "con1");
  }

  @Test
  void unavailableIsSixWhereNothingListens() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    for (List<String> args : List.of(List.of("list"), List.of("start", "web1"), List.of("event"))) {
      Run r = fails(ExitCode.UNAVAILABLE, virtflowAt("http://127.0.0.1:" + port, CliStack.adminTokenFile(),
          args.toArray(String[]::new)));
      assertThat(r.err()).isEqualTo("error: cannot reach the gateway at http://127.0.0.1:" + port
          + ": connection refused (is 'virtflow up' running? --url or VIRTFLOW_URL names another)\n");
    }
  }

  @Test
  void authIsSevenForABadTokenAMissingFileAndAForbiddenRole(@TempDir Path dir) {
    Run bad = fails(ExitCode.AUTH, virtflowAt(CliStack.url(), CliStack.tokenFile(dir, "not-a-jwt"), "list"));
    assertThat(bad.err()).startsWith("error: ").endsWith("(AUTH_FAILED)\n");
    Run missing = fails(ExitCode.AUTH, virtflowAt(CliStack.url(), dir.resolve("absent.token"), "list"));
    assertThat(missing.err()).startsWith("error: cannot read the token file " + dir.resolve("absent.token"));
    String viewer = CliStack.stack().mintToken("cli-viewer", Role.VIEWER, List.of("default"), Duration.ofMinutes(5));
    Path viewerFile = CliStack.tokenFile(dir, viewer);
    assertThat(virtflowAt(CliStack.url(), viewerFile, "list", "--all").exit()).isZero();
    assertThat(fails(ExitCode.AUTH, virtflowAt(CliStack.url(), viewerFile, "define", "--name", "v1", "--vcpus", "1",
        "--memory", "128")).err()).endsWith("(ACCESS_DENIED)\n");
  }

  @Test
  void everyFailureCodeHasItsClass() {
    assertThat(ExitCode.of("INVALID_ARG", 400)).isEqualTo(ExitCode.BAD_INPUT);
    assertThat(ExitCode.of("NO_DOMAIN", 404)).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(ExitCode.of("NO_SNAPSHOT", 404)).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(ExitCode.of("OPERATION_INVALID", 409)).isEqualTo(ExitCode.REFUSED);
    assertThat(ExitCode.of("BUSY", 409)).isEqualTo(ExitCode.REFUSED);
    assertThat(ExitCode.of("SNAPSHOT_UNSAFE", 409)).isEqualTo(ExitCode.UNSAFE);
    assertThat(ExitCode.of("OPERATION_UNSUPPORTED", 409)).isEqualTo(ExitCode.UNSAFE);
    assertThat(ExitCode.of("DRIVER_ERROR", 502)).isEqualTo(ExitCode.UNAVAILABLE);
    assertThat(ExitCode.of("TIMEOUT", 503)).isEqualTo(ExitCode.UNAVAILABLE);
    assertThat(ExitCode.of(null, 503)).isEqualTo(ExitCode.UNAVAILABLE);
    assertThat(ExitCode.of("AUTH_FAILED", 401)).isEqualTo(ExitCode.AUTH);
    assertThat(ExitCode.of(null, 403)).isEqualTo(ExitCode.AUTH);
    assertThat(ExitCode.of("INTERNAL", 500)).isEqualTo(ExitCode.FAILURE);
    assertThat(ExitCode.of("INVALID_ARG", 404)).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(CliFailure.ofStatus(new JsonObject().put("status", "TIMED_OUT")).exit()).isEqualTo(ExitCode.UNAVAILABLE);
    assertThat(CliFailure.ofStatus(new JsonObject().put("status", "CANCELLED")).exit()).isEqualTo(ExitCode.FAILURE);
    assertThat(CliFailure.ofStatus(new JsonObject().put("status", "FAILED").put("code", "DRIVER_ERROR")).exit())
        .isEqualTo(ExitCode.UNAVAILABLE);
  }
}
