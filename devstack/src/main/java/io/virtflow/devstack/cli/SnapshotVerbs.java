package io.virtflow.devstack.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code snapshot-create-as snapshot-list snapshot-info snapshot-revert snapshot-delete}. */
public final class SnapshotVerbs {
  private SnapshotVerbs() {
  }

  static String snapshotsPath(String domain) {
    return Verb.domainPath(domain) + "/snapshots";
  }

  static String snapshotPath(String domain, String name) {
    return snapshotsPath(domain) + "/" + Gateway.segment(name);
  }

  @Command(name = "snapshot-create-as", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Take a disk snapshot (virsh snapshot-create-as): internal (inside each qcow2 file) unless "
          + "--external (a new overlay on top of the frozen image)."})
  public static final class Create extends Submitting {
    @Parameters(index = "0", paramLabel = "DOMAIN", description = "The domain's name or id.")
    String domain;

    @Parameters(index = "1", paramLabel = "NAME", description = "The snapshot's name.")
    String name;

    @Option(names = "--external", description = "An external snapshot (overlay files) instead of an internal one.")
    boolean external;

    @Option(names = "--quiesce", description = "Freeze the guest's file systems meanwhile (needs a running domain with "
        + "a guest agent).")
    boolean quiesce;

    @Option(names = "--description", paramLabel = "T", description = "A description (at most 1024 characters).")
    String description;

    @Override
    protected int run() {
      JsonObject body = new JsonObject().put("name", name).put("kind", external ? "EXTERNAL" : "INTERNAL");
      if (description != null) {
        body.put("description", description);
      }
      if (quiesce) {
        body.put("quiesce", true);
      }
      return submit(gateway().post(snapshotsPath(domain), body.encode()), "snapshot " + domain + " " + name,
          status -> "Domain snapshot " + name + " created", null, null);
    }
  }

  @Command(name = "snapshot-list", mixinStandardHelpOptions = true, sortOptions = false,
      description = "List a domain's snapshots, oldest first (virsh snapshot-list).")
  public static final class ListSnapshots extends Verb {
    @Parameters(index = "0", paramLabel = "DOMAIN", description = "The domain's name or id.")
    String domain;

    @Option(names = "--tree", description = "As a tree of parents and children.")
    boolean tree;

    @Option(names = "--parent", description = "With a column naming each one's parent.")
    boolean parent;

    @Option(names = "--roots", description = "Only snapshots without a parent.")
    boolean roots;

    @Option(names = "--leaves", description = "Only snapshots without children.")
    boolean leaves;

    @Override
    protected int run() {
      if (tree && (parent || roots || leaves)) {
        throw CliFailure.badInput("--tree cannot be combined with --parent, --roots or --leaves");
      }
      if (parent && roots) {
        throw CliFailure.badInput("--parent and --roots are mutually exclusive");
      }
      Gateway.Answer answer = gateway().get(snapshotsPath(domain));
      JsonObject catalog = Gateway.expect(answer);
      List<JsonObject> all = new ArrayList<>();
      JsonArray list = catalog.getJsonArray("snapshots", new JsonArray());
      for (int i = 0; i < list.size(); i++) {
        all.add(list.getJsonObject(i));
      }
      List<JsonObject> shown = new ArrayList<>();
      for (JsonObject s : all) {
        if ((!roots || s.getString("parent") == null)
            && (!leaves || s.getJsonArray("children", new JsonArray()).isEmpty())) {
          shown.add(s);
        }
      }
      if (json()) {
        if (roots || leaves) {
          catalog = catalog.copy().put("snapshots", new JsonArray(new ArrayList<Object>(shown)));
          println(catalog.encode());
        } else {
          println(answer.body());
        }
        return 0;
      }
      if (tree) {
        print(tree(all));
        return 0;
      }
      List<String> header = new ArrayList<>(List.of("Name", "Creation Time", "State"));
      if (parent) {
        header.add("Parent");
      }
      List<List<String>> rows = new ArrayList<>();
      for (JsonObject s : shown) {
        List<String> row = new ArrayList<>(List.of(s.getString("name"), Text.time(s.getString("createdAt")),
            s.getString("state", "nostate").toLowerCase(java.util.Locale.ROOT)));
        if (parent) {
          row.add(s.getString("parent") == null ? "" : s.getString("parent"));
        }
        rows.add(row);
      }
      print(Text.table(header, rows));
      return 0;
    }

    /** virsh's {@code vshTreePrint}: each root, then its children below {@code |} and {@code +-}. */
    static String tree(List<JsonObject> snapshots) {
      Map<String, List<String>> children = new LinkedHashMap<>();
      List<String> rootNames = new ArrayList<>();
      for (JsonObject s : snapshots) {
        children.computeIfAbsent(s.getString("name"), k -> new ArrayList<>());
      }
      for (JsonObject s : snapshots) {
        String p = s.getString("parent");
        if (p == null || !children.containsKey(p)) {
          rootNames.add(s.getString("name"));
        } else {
          children.get(p).add(s.getString("name"));
        }
      }
      StringBuilder out = new StringBuilder();
      for (String root : rootNames) {
        node(out, children, root, true, true, new StringBuilder());
      }
      return out.toString();
    }

    private static void node(StringBuilder out, Map<String, List<String>> children, String name, boolean root,
        boolean last, StringBuilder indent) {
      out.append(indent).append(root ? "" : "+- ").append(name).append('\n');
      int mark = indent.length();
      if (!root) {
        indent.append(last ? ' ' : '|').append(' ');
      }
      List<String> kids = children.get(name);
      if (!kids.isEmpty()) {
        out.append(indent).append("  |\n");
      }
      indent.append("  ");
      for (int i = 0; i < kids.size(); i++) {
        node(out, children, kids.get(i), false, i == kids.size() - 1, indent);
      }
      indent.setLength(indent.length() - 2);
      if (kids.isEmpty() && last) {
        out.append(indent.toString().stripTrailing()).append('\n');
      }
      indent.setLength(mark);
    }
  }

  @Command(name = "snapshot-info", mixinStandardHelpOptions = true, description = "Show one snapshot (virsh "
      + "snapshot-info).")
  public static final class Info extends Verb {
    @Parameters(index = "0", paramLabel = "DOMAIN", description = "The domain's name or id.")
    String domain;

    @Parameters(index = "1", paramLabel = "NAME", description = "The snapshot's name.")
    String name;

    @Override
    protected int run() {
      Gateway.Answer answer = gateway().get(snapshotPath(domain, name));
      JsonObject s = Gateway.expect(answer);
      if (json()) {
        println(answer.body());
        return 0;
      }
      JsonObject catalog = Gateway.expect(gateway().get(snapshotsPath(domain)));
      Map<String, List<String>> children = new LinkedHashMap<>();
      JsonArray list = catalog.getJsonArray("snapshots", new JsonArray());
      for (int i = 0; i < list.size(); i++) {
        JsonObject each = list.getJsonObject(i);
        List<String> kids = new ArrayList<>();
        each.getJsonArray("children", new JsonArray()).forEach(k -> kids.add(String.valueOf(k)));
        children.put(each.getString("name"), kids);
      }
      JsonObject ind = s.getJsonObject("indications", new JsonObject());
      List<String[]> f = new ArrayList<>();
      f.add(Text.field("Name", s.getString("name")));
      f.add(Text.field("Domain", catalog.getString("domain")));
      f.add(Text.field("Current", Text.yesNo(s.getBoolean("current"))));
      f.add(Text.field("State", s.getString("state", "nostate").toLowerCase(java.util.Locale.ROOT)));
      f.add(Text.field("Location", "EXTERNAL".equals(s.getString("kind")) ? "external" : "internal"));
      f.add(Text.field("Parent", s.getString("parent")));
      f.add(Text.field("Children", s.getJsonArray("children", new JsonArray()).size()));
      f.add(Text.field("Descendants", descendants(children, s.getString("name"))));
      f.add(Text.field("Metadata", "yes"));
      f.add(Text.field("Description", s.getString("description")));
      f.add(Text.field("Created", Text.time(s.getString("createdAt"))));
      f.add(Text.field("Online", Text.yesNo(ind.getBoolean("online"))));
      f.add(Text.field("Quiesced", Text.yesNo(ind.getBoolean("quiesced"))));
      JsonArray disks = s.getJsonArray("disks", new JsonArray());
      for (int i = 0; i < disks.size(); i++) {
        JsonObject d = disks.getJsonObject(i);
        f.add(Text.field(i == 0 ? "Disks" : "", d.getString("target") + " " + d.getString("file")
            + (d.getString("tag") == null ? "" : " tag " + d.getString("tag"))
            + (d.getString("overlay") == null ? "" : " overlay " + d.getString("overlay"))));
      }
      print(Text.fields(f));
      return 0;
    }

    private static int descendants(Map<String, List<String>> children, String name) {
      int n = 0;
      for (String kid : children.getOrDefault(name, List.of())) {
        n += 1 + descendants(children, kid);
      }
      return n;
    }
  }

  @Command(name = "snapshot-revert", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Revert a domain's disks to a snapshot (virsh snapshot-revert). The domain keeps its power "
          + "state unless --running or --paused; an active domain needs --force."})
  public static final class Revert extends Submitting {
    @Parameters(index = "0", paramLabel = "DOMAIN", description = "The domain's name or id.")
    String domain;

    @Parameters(index = "1", paramLabel = "NAME", description = "The snapshot's name.")
    String name;

    @Option(names = "--running", description = "End running.")
    boolean running;

    @Option(names = "--paused", description = "End paused.")
    boolean paused;

    @Option(names = "--force", description = "Also when the domain is active (its running state is lost).")
    boolean force;

    @Override
    protected int run() {
      if (running && paused) {
        throw CliFailure.badInput("--running and --paused are mutually exclusive");
      }
      JsonObject body = new JsonObject().put("start", running ? "RUNNING" : paused ? "PAUSED" : "KEEP");
      if (force) {
        body.put("force", true);
      }
      return submit(gateway().post(snapshotPath(domain, name) + "/revert", body.encode()),
          "revert " + domain + " " + name, status -> "Domain '" + domain + "' reverted to snapshot " + name,
          domain, IN_END_STATE);
    }
  }

  @Command(name = "snapshot-delete", mixinStandardHelpOptions = true, sortOptions = false,
      description = "Delete a snapshot (virsh snapshot-delete); its children are kept, re-parented, unless "
          + "--children.")
  public static final class Delete extends Submitting {
    @Parameters(index = "0", paramLabel = "DOMAIN", description = "The domain's name or id.")
    String domain;

    @Parameters(index = "1", paramLabel = "NAME", description = "The snapshot's name.")
    String name;

    @Option(names = "--children", description = "Also every snapshot below it.")
    boolean children;

    @Option(names = "--children-only", description = "Only the snapshots below it.")
    boolean childrenOnly;

    @Option(names = "--metadata-only", description = "Drop the catalog entry only; no file is touched.")
    boolean metadataOnly;

    @Override
    protected int run() {
      if (children && childrenOnly) {
        throw CliFailure.badInput("--children and --children-only are mutually exclusive");
      }
      List<String> flags = new ArrayList<>();
      if (children) {
        flags.add("children=true");
      }
      if (childrenOnly) {
        flags.add("childrenOnly=true");
      }
      if (metadataOnly) {
        flags.add("metadataOnly=true");
      }
      String path = snapshotPath(domain, name) + (flags.isEmpty() ? "" : "?" + String.join("&", flags));
      String what = childrenOnly ? "Domain snapshot " + name + " children deleted"
          : "Domain snapshot " + name + " deleted";
      return submit(gateway().delete(path), "snapshot-delete " + domain + " " + name, status -> what, null, null);
    }
  }
}
