package io.virtflow.devstack.cli;

import static io.virtflow.devstack.cli.CliStack.virtflow;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.json.JsonObject;
import io.virtflow.devstack.cli.CliStack.Run;

/**
 * {@code define}, {@code list}, {@code dominfo}, {@code domstate} and the lifecycle verbs in-process against
 * the dev stack: what each prints, in text and with {@code --json}, and that each waits for its command.
 */
@ExtendWith(CliStack.class)
class LifecycleCliTest {

  private static Run ok(Run r) {
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.err()).as(r.toString()).isEmpty();
    return r;
  }

  @Test
  void aDomainLivesItsWholeLifeThroughTheCommandLine() {
    Run defined = ok(virtflow("define", "--name", "life1", "--vcpus", "2", "--memory", "2048", "--disk", "vda:10",
        "--disk", "vdb:1"));
    assertThat(defined.out()).matches("Domain 'life1' defined, id [0-9a-f-]{36}\n");
    String id = defined.out().strip().substring(defined.out().strip().lastIndexOf(' ') + 1);

    // Shut off: listed with --all and --state-shutoff only, as virsh does.
    assertThat(ok(virtflow("list")).out()).doesNotContain("life1");
    Run all = ok(virtflow("list", "--all"));
    assertThat(all.lines().get(0)).matches(" Id +Name +State");
    assertThat(all.lines().get(1)).matches("-+");
    assertThat(all.lines()).anyMatch(l -> l.matches(" " + id + " +life1 +shut off"));
    assertThat(ok(virtflow("list", "--state-shutoff")).out()).contains("life1");
    assertThat(ok(virtflow("list", "--state-running")).out()).doesNotContain("life1");
    assertThat(ok(virtflow("domstate", "life1", "--reason")).out()).startsWith("shut off (");

    assertThat(ok(virtflow("start", "life1")).out()).isEqualTo("Domain 'life1' started\n");
    // The CLI waited for the command and for the gateway to show its effect: read your writes.
    assertThat(ok(virtflow("domstate", "life1")).out()).isEqualTo("running\n");
    assertThat(ok(virtflow("domstate", id, "--reason")).out()).isEqualTo("running (booted)\n");
    Run info = ok(virtflow("dominfo", "life1"));
    assertThat(info.out()).contains("Id:             " + id + "\n", "Name:           life1\n",
        "State:          running\n", "CPU(s):         2\n", "Max memory:     2097152 KiB\n", "Snapshots:      0\n")
        .containsPattern("Disks: +vda 10 GiB qcow2 ").containsPattern("\n {16}vdb 1 GiB qcow2 ");
    String host = new JsonObject(ok(virtflow("dominfo", "life1", "--json")).out()).getString("host");
    assertThat(ok(virtflow("list")).out()).contains("life1");
    assertThat(ok(virtflow("list", "--host", host)).out()).contains("life1");
    assertThat(ok(virtflow("list", "--all", "--host", "no-such-host")).out()).doesNotContain("life1");

    assertThat(ok(virtflow("suspend", "life1")).out()).isEqualTo("Domain 'life1' suspended\n");
    assertThat(ok(virtflow("domstate", "life1", "--reason")).out()).isEqualTo("paused (user)\n");
    assertThat(ok(virtflow("list", "--state-paused")).out()).contains("life1");
    assertThat(ok(virtflow("list", "--state-running")).out()).doesNotContain("life1");
    assertThat(ok(virtflow("resume", "life1")).out()).isEqualTo("Domain 'life1' resumed\n");
    assertThat(ok(virtflow("reboot", "life1")).out()).isEqualTo("Domain 'life1' rebooted\n");
    assertThat(ok(virtflow("shutdown", "life1")).out()).isEqualTo("Domain 'life1' is shut off\n");
    assertThat(ok(virtflow("domstate", "life1", "--reason")).out()).isEqualTo("shut off (shutdown)\n");
    assertThat(ok(virtflow("start", "life1", "--paused")).out()).isEqualTo("Domain 'life1' started (paused)\n");
    assertThat(ok(virtflow("domstate", "life1")).out()).isEqualTo("paused\n");
    assertThat(ok(virtflow("destroy", "life1")).out()).isEqualTo("Domain 'life1' destroyed\n");
    assertThat(ok(virtflow("domstate", "life1", "--reason")).out()).isEqualTo("shut off (destroyed)\n");

    assertThat(ok(virtflow("undefine", "life1", "--remove-all-storage")).out())
        .isEqualTo("Domain 'life1' has been undefined\n");
    assertThat(virtflow("dominfo", "life1").exit()).isEqualTo(ExitCode.NOT_FOUND.code());
    assertThat(ok(virtflow("list", "--all")).out()).doesNotContain("life1");
  }

  @Test
  void jsonPrintsTheApisDocumentsAndNoWaitPrintsTheCommandId() {
    Run noWait = ok(virtflow("define", "--name", "json1", "--vcpus", "1", "--memory", "256", "--no-wait"));
    String commandId = noWait.out().strip();
    assertThat(UUID.fromString(commandId)).isNotNull();
    Run waited = ok(virtflow("command", commandId, "--wait", "--json"));
    assertThat(waited.json().getString("status")).isEqualTo("SUCCEEDED");
    assertThat(waited.json().getString("operation")).isEqualTo("Define");

    Run started = ok(virtflow("start", "json1", "--json"));
    JsonObject status = started.json();
    assertThat(status.getString("status")).isEqualTo("SUCCEEDED");
    assertThat(status.getBoolean("terminal")).isTrue();
    assertThat(status.getString("domainState")).isEqualTo("RUNNING");
    assertThat(status.getJsonArray("history")).isNotEmpty();

    JsonObject domain = ok(virtflow("dominfo", "json1", "--json")).json();
    assertThat(domain.getString("name")).isEqualTo("json1");
    assertThat(domain.getString("state")).isEqualTo("RUNNING");
    assertThat(ok(virtflow("domstate", "json1", "--json")).json().getString("reason")).isEqualTo("BOOTED");
    assertThat(ok(virtflow("list", "--json")).json().getJsonArray("domains").stream()
        .map(d -> ((JsonObject) d).getString("name"))).contains("json1");

    Run accepted = ok(virtflow("destroy", "json1", "--no-wait", "--json"));
    assertThat(accepted.json().getString("status")).isEqualTo("ACCEPTED");
    assertThat(accepted.json().getString("domainId")).isEqualTo(domain.getString("domainId"));
    assertThat(ok(virtflow("command", accepted.json().getString("commandId"), "--wait")).out())
        .contains("Operation:      Destroy\n", "Status:         SUCCEEDED\n");
    ok(virtflow("undefine", "json1"));
  }

  @Test
  void aDefinitionFileHoldsTheHttpBody(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("file1.json");
    Files.writeString(file, "{\"name\":\"file1\",\"vcpus\":1,\"memoryMiB\":512,\"disks\":[{\"target\":\"vda\","
        + "\"sizeGiB\":2}],\"interfaces\":[{}]}");
    assertThat(ok(virtflow("define", file.toString())).out()).startsWith("Domain 'file1' defined, id ");
    Run info = ok(virtflow("dominfo", "file1"));
    assertThat(info.out()).contains("Max memory:     524288 KiB\n").containsPattern("Disks: +vda 2 GiB")
        .containsPattern("Interfaces: +user");
    ok(virtflow("undefine", "file1"));

    // A file and options at once, a file that is not JSON, a disk spec that is not one: bad input.
    assertThat(virtflow("define", file.toString(), "--name", "x").exit()).isEqualTo(ExitCode.BAD_INPUT.code());
    Path junk = dir.resolve("junk.json");
    Files.writeString(junk, "not json");
    Run notJson = virtflow("define", junk.toString());
    assertThat(notJson.exit()).isEqualTo(ExitCode.BAD_INPUT.code());
    assertThat(notJson.err()).startsWith("error: " + junk + " is not a JSON object");
    Run badDisk = virtflow("define", "--name", "d1", "--vcpus", "1", "--memory", "256", "--disk", "vda:ten");
    assertThat(badDisk.exit()).isEqualTo(ExitCode.BAD_INPUT.code());
    assertThat(badDisk.err()).contains("--disk 'vda:ten'");
  }

  @Test
  void realVmOptionsBecomeTheDefinitionsBootInterfacesAndGuestAgent() {
    Run defined = ok(virtflow("define", "--name", "vm1", "--vcpus", "1", "--memory", "128", "--disk",
        "vda:image=base.qcow2", "--kernel", "vmlinuz", "--initrd", "initrd.img", "--cmdline", "console=ttyS0 quiet",
        "--network", "user", "--network", "default,mac=52:54:00:12:34:56", "--guest-agent"));
    assertThat(defined.out()).startsWith("Domain 'vm1' defined, id ");
    Run info = ok(virtflow("dominfo", "vm1"));
    assertThat(info.out()).contains("Boot:           kernel vmlinuz, initrd initrd.img, cmdline console=ttyS0 quiet\n",
        "Guest agent:    yes").containsPattern("Disks: +vda \\d+ GiB qcow2 on base\\.qcow2 ")
        .containsPattern("Interfaces: +user 52:54:00:[0-9a-f:]{8}\n {16}network default 52:54:00:12:34:56\n");
    JsonObject json = ok(virtflow("dominfo", "vm1", "--json")).json();
    assertThat(json.getJsonObject("boot").getString("cmdline")).isEqualTo("console=ttyS0 quiet");
    assertThat(json.getBoolean("guestAgent")).isTrue();
    ok(virtflow("undefine", "vm1", "--remove-all-storage"));

    assertThat(DefineVerb.disk("vda:image=base.qcow2,size=20").encode())
        .isEqualTo("{\"target\":\"vda\",\"image\":\"base.qcow2\",\"sizeGiB\":20}");
    assertThat(DefineVerb.nic("user").encode()).isEqualTo("{}");
  }
}
