package io.virtflow.devstack.cli;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The read-only domain verbs: {@code list}, {@code dominfo}, {@code domstate}. */
public final class DomainVerbs {
  /** States virsh counts as active: a domain without {@code --all} is listed only in one of them. */
  static final Set<String> ACTIVE = Set.of("RUNNING", "BLOCKED", "PAUSED", "SHUTDOWN", "PMSUSPENDED", "CRASHED");

  private DomainVerbs() {
  }

  /** Every domain the token sees, following the pages of {@code GET /v1/domains}. */
  static List<JsonObject> allDomains(Gateway gateway) {
    List<JsonObject> domains = new ArrayList<>();
    String after = null;
    do {
      JsonObject page = Gateway.expect(gateway.get("/v1/domains?limit=1000"
          + (after == null ? "" : "&after=" + Gateway.query(after))));
      JsonArray list = page.getJsonArray("domains", new JsonArray());
      for (int i = 0; i < list.size(); i++) {
        domains.add(list.getJsonObject(i));
      }
      after = page.getString("next");
    } while (after != null);
    return domains;
  }

  @Command(name = "list", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"List domains (virsh list). Without --all or a --state-* option only active ones.",
          "Id is the domain's id (virtflow's, libvirt's UUID), for every state."})
  public static final class ListDomains extends Verb {
    @Option(names = "--all", description = "Also inactive domains (shut off, and defines not carried out yet).")
    boolean all;

    @Option(names = "--host", paramLabel = "H", description = "Only domains on host H.")
    String host;

    @Option(names = "--state-running", description = "Only running domains.")
    boolean running;

    @Option(names = "--state-paused", description = "Only paused domains.")
    boolean paused;

    @Option(names = "--state-shutoff", description = "Only shut off domains.")
    boolean shutoff;

    @Override
    protected int run() {
      Set<String> states = new HashSet<>();
      if (running) {
        states.add("RUNNING");
      }
      if (paused) {
        states.add("PAUSED");
      }
      if (shutoff) {
        states.add("SHUTOFF");
      }
      List<JsonObject> shown = new ArrayList<>();
      for (JsonObject d : allDomains(gateway())) {
        String state = d.getString("state");
        boolean stateOk = !states.isEmpty() ? states.contains(state) : all || ACTIVE.contains(state);
        if (stateOk && (host == null || host.equals(d.getString("host")))) {
          shown.add(d);
        }
      }
      if (json()) {
        println(new JsonObject().put("domains", new JsonArray(new ArrayList<Object>(shown))).encode());
        return 0;
      }
      List<List<String>> rows = new ArrayList<>();
      for (JsonObject d : shown) {
        rows.add(List.of(d.getString("domainId"), d.getString("name"), Text.state(d.getString("state"))));
      }
      print(Text.table(List.of("Id", "Name", "State"), rows));
      return 0;
    }
  }

  @Command(name = "dominfo", mixinStandardHelpOptions = true, description = "Show a domain (virsh dominfo).")
  public static final class DomInfo extends Verb {
    @Parameters(index = "0", paramLabel = "DOMAIN", description = "The domain's name or id.")
    String domain;

    @Override
    protected int run() {
      Gateway.Answer answer = gateway().get(domainPath(domain));
      JsonObject d = Gateway.expect(answer);
      if (json()) {
        println(answer.body());
        return 0;
      }
      List<String[]> f = new ArrayList<>();
      f.add(Text.field("Id", d.getString("domainId")));
      f.add(Text.field("Name", d.getString("name")));
      f.add(Text.field("State", Text.state(d.getString("state"))));
      f.add(Text.field("Reason", d.getString("state") == null ? null : Text.reason(d.getString("reason"))));
      f.add(Text.field("Host", d.getString("host")));
      f.add(Text.field("Project", d.getString("project")));
      f.add(Text.field("CPU(s)", d.getValue("vcpus")));
      Long mib = d.getLong("memoryMiB");
      f.add(Text.field("Max memory", mib == null ? null : mib * 1024 + " KiB"));
      f.add(Text.field("Persistent", "yes"));
      JsonArray disks = d.getJsonArray("disks", new JsonArray());
      for (int i = 0; i < disks.size(); i++) {
        JsonObject disk = disks.getJsonObject(i);
        String image = disk.getString("image");
        f.add(Text.field(i == 0 ? "Disks" : "", disk.getString("target") + " " + disk.getValue("sizeGiB") + " GiB "
            + disk.getString("format", "") + (image == null ? "" : " on " + image)
            + (disk.getString("path") == null ? "" : " " + disk.getString("path"))));
      }
      JsonArray nics = d.getJsonArray("interfaces", new JsonArray());
      for (int i = 0; i < nics.size(); i++) {
        JsonObject nic = nics.getJsonObject(i);
        String network = nic.getString("network");
        f.add(Text.field(i == 0 ? "Interfaces" : "", (network == null ? "user" : "network " + network)
            + (nic.getString("mac") == null ? "" : " " + nic.getString("mac"))));
      }
      JsonObject boot = d.getJsonObject("boot");
      if (boot != null) {
        f.add(Text.field("Boot", "kernel " + boot.getString("kernel")
            + (boot.getString("initrd") == null ? "" : ", initrd " + boot.getString("initrd"))
            + (boot.getString("cmdline") == null ? "" : ", cmdline " + boot.getString("cmdline"))));
      }
      f.add(Text.field("Guest agent", Text.yesNo(d.getBoolean("guestAgent"))
          + (d.getBoolean("guestAgentConnected") == null ? "" : d.getBoolean("guestAgentConnected")
              ? " (connected)" : " (not connected)")));
      f.add(Text.field("Snapshots", d.getValue("snapshotCount")));
      f.add(Text.field("Updated", d.getString("updatedAt")));
      print(Text.fields(f));
      return 0;
    }
  }

  @Command(name = "domstate", mixinStandardHelpOptions = true, description = "A domain's state (virsh domstate).")
  public static final class DomState extends Verb {
    @Parameters(index = "0", paramLabel = "DOMAIN", description = "The domain's name or id.")
    String domain;

    @Option(names = "--reason", description = "Also the reason, as in 'shut off (destroyed)'.")
    boolean reason;

    @Override
    protected int run() {
      Gateway.Answer answer = gateway().get(domainPath(domain));
      JsonObject d = Gateway.expect(answer);
      if (json()) {
        println(answer.body());
        return 0;
      }
      String state = Text.state(d.getString("state"));
      println(reason && d.getString("state") != null ? state + " (" + Text.reason(d.getString("reason")) + ")" : state);
      return 0;
    }
  }
}
