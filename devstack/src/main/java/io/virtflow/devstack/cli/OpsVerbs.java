package io.virtflow.devstack.cli;

import java.util.ArrayList;
import java.util.List;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * virtflow's own verbs, beside virsh's: {@code hosts}, {@code command}, {@code cancel}, {@code console},
 * {@code completion}.
 */
public final class OpsVerbs {
  private OpsVerbs() {
  }

  @Command(name = "hosts", mixinStandardHelpOptions = true,
      description = "The hosts: UP or DOWN, driver, domains, capacity (GET /v1/hosts; admin token).")
  public static final class Hosts extends Verb {
    @Override
    protected int run() {
      Gateway.Answer answer = gateway().get("/v1/hosts");
      JsonObject hosts = Gateway.expect(answer);
      if (json()) {
        println(answer.body());
        return 0;
      }
      List<List<String>> rows = new ArrayList<>();
      JsonArray list = hosts.getJsonArray("hosts", new JsonArray());
      for (int i = 0; i < list.size(); i++) {
        JsonObject h = list.getJsonObject(i);
        JsonObject capacity = h.getJsonObject("capacity", new JsonObject());
        String driver = h.getString("driver", "-");
        if (Boolean.FALSE.equals(h.getBoolean("driverConnected"))) {
          driver += " (disconnected)";
        } else if (h.getString("driverBreaker") != null && !"CLOSED".equals(h.getString("driverBreaker"))) {
          driver += " (breaker " + h.getString("driverBreaker") + ")";
        }
        rows.add(List.of(h.getString("hostId"), h.getString("status"), driver,
            String.valueOf(h.getValue("domainCount")), String.valueOf(capacity.getValue("vcpus")),
            h.getValue("memoryMiBFree") + " / " + capacity.getValue("memoryMiB")));
      }
      print(Text.table(List.of("Host", "Status", "Driver", "Domains", "CPU(s)", "Memory free / total (MiB)"), rows));
      return 0;
    }
  }

  @Command(name = "command", mixinStandardHelpOptions = true,
      description = {"A command's status (GET /v1/commands/{id}). Exits non-zero, with its error's class, when the "
          + "command ended without succeeding."})
  public static final class CommandStatus extends Verb {
    @Parameters(index = "0", paramLabel = "ID", description = "The command's id.")
    String id;

    @Option(names = "--wait", description = "Wait until the command ends (a progress line on a terminal).")
    boolean await;

    @Override
    protected int run() {
      JsonObject status;
      if (await) {
        status = awaitTerminal(id, "command " + id);
      } else {
        status = Gateway.expect(gateway().get("/v1/commands/" + Gateway.segment(id)));
      }
      if (json()) {
        println(status.encode());
      } else {
        print(describe(status));
      }
      String phase = status.getString("status");
      if (TERMINAL.contains(phase) && !"SUCCEEDED".equals(phase)) {
        CliFailure f = CliFailure.ofStatus(status);
        throw new CliFailure(f.exit(), f.getMessage(), f.code(), null);
      }
      return 0;
    }

    static String describe(JsonObject s) {
      List<String[]> f = new ArrayList<>();
      f.add(Text.field("Command", s.getString("commandId")));
      f.add(Text.field("Operation", s.getString("operation")));
      f.add(Text.field("Domain", s.getString("domainId")));
      f.add(Text.field("Host", s.getString("hostId")));
      f.add(Text.field("Status", s.getString("status")));
      f.add(Text.field("Code", s.getString("code")));
      f.add(Text.field("Message", s.getString("message")));
      f.add(Text.field("Domain state", s.getString("domainState")));
      f.add(Text.field("Job", s.getString("jobId")));
      f.add(Text.field("Updated", s.getString("updatedAt")));
      JsonArray history = s.getJsonArray("history", new JsonArray());
      for (int i = 0; i < history.size(); i++) {
        JsonObject step = history.getJsonObject(i);
        f.add(Text.field(i == 0 ? "History" : "", step.getString("status") + " " + step.getString("at")));
      }
      Object result = s.getValue("result");
      if (result != null) {
        f.add(Text.field("Result", result instanceof JsonObject || result instanceof JsonArray
            ? io.vertx.core.json.Json.encode(result) : result));
      }
      return Text.fields(f);
    }
  }

  @Command(name = "cancel", mixinStandardHelpOptions = true,
      description = "Cancel a command that has not started (POST /v1/commands/{id}/cancel).")
  public static final class Cancel extends Submitting {
    @Parameters(index = "0", paramLabel = "ID", description = "The command's id.")
    String id;

    @Override
    protected int run() {
      return submit(gateway().post("/v1/commands/" + Gateway.segment(id) + "/cancel", "{}"), "cancel " + id,
          status -> "Command " + id + " cancelled", null, null);
    }
  }

  @Command(name = "console", mixinStandardHelpOptions = true,
      description = {"Print the last lines of a domain's serial console (libvirt driver; the sim has none).",
          "Not interactive, unlike virsh console."})
  public static final class Console extends Verb {
    @Parameters(index = "0", paramLabel = "DOMAIN", description = "The domain's name or id.")
    String domain;

    @Option(names = "--tail", paramLabel = "N", description = "How many lines (1..10000; the gateway's default: 100).")
    Integer tail;

    @Override
    protected int run() {
      Gateway.Answer answer = gateway().get(domainPath(domain) + "/console" + (tail == null ? "" : "?tail=" + tail));
      if (!answer.success()) {
        throw CliFailure.ofAnswer(answer);
      }
      print(answer.body());
      return 0;
    }
  }

  @Command(name = "completion", mixinStandardHelpOptions = true,
      description = {"Print the bash completion script of every virtflow verb.",
          "  source <(java -jar devstack/target/virtflow.jar completion)   # with the alias virtflow=..."})
  public static final class Completion implements java.util.concurrent.Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      spec.commandLine().getOut().print(AutoComplete.bash("virtflow", spec.root().commandLine()));
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
