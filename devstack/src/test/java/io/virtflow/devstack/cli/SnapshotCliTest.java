package io.virtflow.devstack.cli;

import static io.virtflow.devstack.cli.CliStack.virtflow;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.vertx.core.json.JsonObject;
import io.virtflow.devstack.cli.CliStack.Run;

/** The {@code snapshot-*} verbs in-process against the dev stack, on real qcow2 files. */
@ExtendWith(CliStack.class)
class SnapshotCliTest {

  private static Run ok(Run r) {
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.err()).as(r.toString()).isEmpty();
    return r;
  }

  @Test
  void snapshotsAreTakenListedShownRevertedAndDeletedAsWithVirsh() {
    ok(virtflow("define", "--name", "snap1", "--vcpus", "1", "--memory", "256", "--disk", "vda:1"));
    assertThat(ok(virtflow("snapshot-create-as", "snap1", "s1", "--description", "first one")).out())
        .isEqualTo("Domain snapshot s1 created\n");
    ok(virtflow("snapshot-create-as", "snap1", "s2", "--external"));
    ok(virtflow("snapshot-create-as", "snap1", "s3"));
    ok(virtflow("snapshot-revert", "snap1", "s1"));
    ok(virtflow("snapshot-create-as", "snap1", "s4"));

    Run list = ok(virtflow("snapshot-list", "snap1"));
    assertThat(list.lines().get(0)).matches(" Name +Creation Time +State");
    assertThat(list.lines().subList(2, list.lines().size())).hasSize(4).allMatch(
        l -> l.matches(" s[1-4] +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d [+-]\\d{4} +shutoff"));
    assertThat(ok(virtflow("snapshot-list", "snap1", "--parent")).lines()).anyMatch(l -> l.matches(" s2 .* s1"))
        .anyMatch(l -> l.matches(" s3 .* s2")).anyMatch(l -> l.matches(" s4 .* s1"));
    assertThat(ok(virtflow("snapshot-list", "snap1", "--roots")).out()).contains(" s1 ").doesNotContain(" s2 ");
    assertThat(ok(virtflow("snapshot-list", "snap1", "--leaves")).lines()).noneMatch(l -> l.startsWith(" s1 "))
        .noneMatch(l -> l.startsWith(" s2 ")).anyMatch(l -> l.startsWith(" s3 ")).anyMatch(l -> l.startsWith(" s4 "));
    // virsh's tree: the children of each snapshot below "|" and "+-".
    assertThat(ok(virtflow("snapshot-list", "snap1", "--tree")).out()).isEqualTo(String.join("\n",
        "s1",
        "  |",
        "  +- s2",
        "  |   |",
        "  |   +- s3",
        "  |",
        "  +- s4",
        "", ""));

    Run info = ok(virtflow("snapshot-info", "snap1", "s2"));
    assertThat(info.out()).contains("Name:           s2\n", "Domain:         snap1\n", "Current:        no\n",
        "State:          shutoff\n", "Location:       external\n", "Parent:         s1\n", "Children:       1\n",
        "Descendants:    1\n");
    assertThat(ok(virtflow("snapshot-info", "snap1", "s1")).out()).contains("Location:       internal\n",
        "Description:    first one\n", "Children:       2\n", "Descendants:    3\n");
    assertThat(ok(virtflow("snapshot-info", "snap1", "s4")).out()).contains("Current:        yes\n");
    JsonObject s3 = ok(virtflow("snapshot-info", "snap1", "s3", "--json")).json();
    assertThat(s3.getString("kind")).isEqualTo("INTERNAL");
    assertThat(s3.getString("parent")).isEqualTo("s2");
    assertThat(ok(virtflow("snapshot-list", "snap1", "--json")).json().getString("current")).isEqualTo("s4");

    // Revert to running; then a running domain's revert is unsafe without --force.
    assertThat(ok(virtflow("snapshot-revert", "snap1", "s3", "--running")).out())
        .isEqualTo("Domain 'snap1' reverted to snapshot s3\n");
    assertThat(ok(virtflow("domstate", "snap1")).out()).isEqualTo("running\n");
    Run unsafe = virtflow("snapshot-revert", "snap1", "s1");
    assertThat(unsafe.exit()).as(unsafe.toString()).isEqualTo(ExitCode.UNSAFE.code());
    assertThat(unsafe.err()).startsWith("error: ").contains("force", "(SNAPSHOT_UNSAFE)");
    ok(virtflow("snapshot-revert", "snap1", "s1", "--paused", "--force"));
    assertThat(ok(virtflow("domstate", "snap1")).out()).isEqualTo("paused\n");
    ok(virtflow("destroy", "snap1"));

    assertThat(ok(virtflow("snapshot-delete", "snap1", "s2", "--children-only")).out())
        .isEqualTo("Domain snapshot s2 children deleted\n");
    assertThat(names()).containsExactly("s1", "s2", "s4");
    assertThat(ok(virtflow("snapshot-delete", "snap1", "s1")).out()).isEqualTo("Domain snapshot s1 deleted\n");
    assertThat(ok(virtflow("snapshot-list", "snap1", "--parent")).lines()).anyMatch(l -> l.matches(" s2 .*shutoff"))
        .noneMatch(l -> l.matches(" s2 .* s1"));
    ok(virtflow("snapshot-delete", "snap1", "s4", "--metadata-only"));
    assertThat(names()).containsExactly("s2");
    Run missing = virtflow("snapshot-info", "snap1", "s9");
    assertThat(missing.exit()).isEqualTo(ExitCode.NOT_FOUND.code());
    assertThat(missing.err()).contains("(NO_SNAPSHOT)");

    // A domain with snapshots is undefined only with --snapshots-metadata (refused by state otherwise).
    Run refused = virtflow("undefine", "snap1");
    assertThat(refused.exit()).isEqualTo(ExitCode.REFUSED.code());
    assertThat(refused.err()).contains("snapshot", "(OPERATION_INVALID)");
    ok(virtflow("undefine", "snap1", "--snapshots-metadata", "--remove-all-storage"));
  }

  @Test
  void contradictoryOptionsAreBadInput() {
    for (List<String> args : List.of(List.of("snapshot-list", "any", "--tree", "--roots"),
        List.of("snapshot-revert", "any", "s1", "--running", "--paused"),
        List.of("snapshot-delete", "any", "s1", "--children", "--children-only"))) {
      Run r = virtflow(args.toArray(String[]::new));
      assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCode.BAD_INPUT.code());
      assertThat(r.err()).startsWith("error: ").contains("--");
    }
  }

  private static List<String> names() {
    return ok(virtflow("snapshot-list", "snap1", "--json")).json().getJsonArray("snapshots").stream()
        .map(s -> ((JsonObject) s).getString("name")).toList();
  }
}
