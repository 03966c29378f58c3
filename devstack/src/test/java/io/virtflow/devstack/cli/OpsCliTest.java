package io.virtflow.devstack.cli;

import static io.virtflow.devstack.cli.CliStack.virtflow;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.virtflow.devstack.cli.CliStack.Run;

/** {@code hosts}, {@code command}, {@code cancel} and {@code completion} in-process against the dev stack. */
@ExtendWith(CliStack.class)
class OpsCliTest {

  @Test
  void hostsAreATableOfTheirStateAndCapacity() {
    Run r = virtflow("hosts");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.lines().get(0)).matches(" Host +Status +Driver +Domains +CPU\\(s\\) +Memory free / total \\(MiB\\)");
    assertThat(r.lines()).anyMatch(l -> l.matches(" host-1 +UP +sim +\\d+ +64 +\\d+ / 262144"))
        .anyMatch(l -> l.matches(" host-2 +UP +sim +\\d+ +64 +\\d+ / 262144"));
    assertThat(virtflow("hosts", "--json").json().getJsonArray("hosts")).hasSize(2);
  }

  @Test
  void commandShowsAStatusAndCancelRefusesAnEndedOne() {
    Run accepted = virtflow("define", "--name", "ops1", "--vcpus", "1", "--memory", "128", "--no-wait");
    assertThat(accepted.exit()).as(accepted.toString()).isZero();
    String id = accepted.out().strip();
    Run waited = virtflow("command", id, "--wait");
    assertThat(waited.exit()).as(waited.toString()).isZero();
    assertThat(waited.out()).contains("Command:        " + id + "\n", "Operation:      Define\n",
        "Status:         SUCCEEDED\n").containsPattern("History: +ACCEPTED ");
    assertThat(virtflow("command", id).out()).isEqualTo(waited.out());
    Run cancel = virtflow("cancel", id);
    assertThat(cancel.exit()).isEqualTo(ExitCode.REFUSED.code());
    assertThat(cancel.err()).startsWith("error: ").endsWith("(OPERATION_INVALID)\n");
    virtflow("undefine", "ops1");
  }

  @Test
  void completionPrintsPicocliBashScriptOfEveryVerb() {
    Run r = CliStack.run(new StringWriter(), new StringWriter(), "completion");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).startsWith("#!/usr/bin/env bash").contains("complete -F _complete_virtflow",
        "snapshot-create-as", "domstate", "--state-running", "--remove-all-storage", "--no-wait");
  }

  @Test
  void helpListsTheVerbs() {
    Run r = CliStack.run(new StringWriter(), new StringWriter(), "--help");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("list", "dominfo", "domstate", "define", "start", "shutdown", "reboot", "destroy",
        "suspend", "resume", "undefine", "event", "snapshot-create-as", "snapshot-list", "snapshot-info",
        "snapshot-revert", "snapshot-delete", "hosts", "command", "cancel", "console", "completion");
  }
}
