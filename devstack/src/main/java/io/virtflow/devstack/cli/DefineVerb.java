package io.virtflow.devstack.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code define}: a domain from options (as virt-install would take them), or from a JSON file holding the
 * body of {@code POST /v1/domains} (virsh takes an XML file: virtflow's definition is that JSON).
 */
@Command(name = "define", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Define a domain from options, or from FILE.json (the body of POST /v1/domains).",
        "  virtflow define --name web1 --vcpus 2 --memory 2048 --disk vda:10",
        "  virtflow define --name vm1 --vcpus 1 --memory 128 --disk vda:image=base.qcow2 --kernel vmlinuz "
            + "--initrd initrd.img --cmdline 'console=ttyS0' --network user",
        "  virtflow define web1.json"})
public final class DefineVerb extends Submitting {
  @Parameters(index = "0", arity = "0..1", paramLabel = "FILE.json",
      description = "A JSON definition (then no other definition options).")
  Path file;

  @Option(names = "--name", paramLabel = "N", description = "The domain's name.")
  String name;

  @Option(names = "--vcpus", paramLabel = "N", description = "Virtual CPUs.")
  Integer vcpus;

  @Option(names = "--memory", paramLabel = "MIB", description = "Memory in MiB (virsh's memory options take KiB).")
  Long memory;

  @Option(names = "--disk", paramLabel = "TARGET:SPEC",
      description = {"A disk, repeatable: vda:10 (10 GiB), vda:image=base.qcow2 (an overlay on a base image of the "
          + "host's image directory), vda:image=base.qcow2,size=20."})
  List<String> disks = new ArrayList<>();

  @Option(names = "--kernel", paramLabel = "F",
      description = "Direct kernel boot: the kernel (in the image directory).")
  String kernel;

  @Option(names = "--initrd", paramLabel = "F", description = "With --kernel: the initrd.")
  String initrd;

  @Option(names = "--cmdline", paramLabel = "S", description = "With --kernel: the kernel command line.")
  String cmdline;

  @Option(names = "--network", paramLabel = "user|NAME[,mac=M]",
      description = "An interface, repeatable: user (user-mode networking) or a libvirt network's name.")
  List<String> networks = new ArrayList<>();

  @Option(names = "--guest-agent", description = "Add the guest agent's channel.")
  boolean guestAgent;

  @Option(names = "--host", paramLabel = "H", description = "Place it on host H (admin only; default: placement).")
  String host;

  @Option(names = "--project", paramLabel = "P", description = "The project (default: the token's only one).")
  String project;

  @Override
  protected int run() {
    JsonObject body = file != null ? fromFile() : fromOptions();
    String label = body.getValue("name") instanceof String n ? n : "domain";
    return submit(gateway().post("/v1/domains", body.encode()), "define " + label,
        status -> "Domain '" + label + "' defined, id " + status.getString("domainId"), label,
        (status, a) -> a.status() == 200 && !a.json().getBoolean("pending", false));
  }

  private JsonObject fromFile() {
    if (name != null || vcpus != null || memory != null || !disks.isEmpty() || kernel != null || initrd != null
        || cmdline != null || !networks.isEmpty() || guestAgent || host != null || project != null) {
      throw CliFailure.badInput("give either FILE.json or definition options, not both");
    }
    try {
      return new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw CliFailure.badInput("cannot read " + file + ": " + e);
    } catch (DecodeException | ClassCastException e) {
      throw CliFailure.badInput(file + " is not a JSON object: " + e.getMessage());
    }
  }

  private JsonObject fromOptions() {
    if (name == null || vcpus == null || memory == null) {
      throw CliFailure.badInput("define needs --name, --vcpus and --memory (or a FILE.json)");
    }
    JsonObject body = new JsonObject().put("name", name).put("vcpus", vcpus).put("memoryMiB", memory);
    if (host != null) {
      body.put("host", host);
    }
    if (project != null) {
      body.put("project", project);
    }
    JsonArray diskArray = new JsonArray();
    for (String spec : disks) {
      diskArray.add(disk(spec));
    }
    body.put("disks", diskArray);
    if (kernel != null || initrd != null || cmdline != null) {
      JsonObject boot = new JsonObject();
      if (kernel != null) {
        boot.put("kernel", kernel);
      }
      if (initrd != null) {
        boot.put("initrd", initrd);
      }
      if (cmdline != null) {
        boot.put("cmdline", cmdline);
      }
      body.put("boot", boot);
    }
    if (!networks.isEmpty()) {
      JsonArray nics = new JsonArray();
      for (String spec : networks) {
        nics.add(nic(spec));
      }
      body.put("interfaces", nics);
    }
    if (guestAgent) {
      body.put("guestAgent", true);
    }
    return body;
  }

  /** {@code vda:10}, {@code vda:image=base.qcow2}, {@code vda:image=base.qcow2,size=20}. */
  static JsonObject disk(String spec) {
    int colon = spec.indexOf(':');
    if (colon <= 0 || colon == spec.length() - 1) {
      throw CliFailure.badInput("--disk '" + spec + "': expected TARGET:SIZE_GIB or TARGET:image=FILE[,size=GIB]");
    }
    JsonObject disk = new JsonObject().put("target", spec.substring(0, colon));
    for (String part : spec.substring(colon + 1).split(",")) {
      if (part.startsWith("image=") && part.length() > 6) {
        disk.put("image", part.substring(6));
      } else if (part.startsWith("size=")) {
        disk.put("sizeGiB", size(spec, part.substring(5)));
      } else {
        disk.put("sizeGiB", size(spec, part));
      }
    }
    return disk;
  }

  private static long size(String spec, String text) {
    try {
      return Long.parseLong(text.strip());
    } catch (NumberFormatException e) {
      throw CliFailure.badInput("--disk '" + spec + "': '" + text + "' is not a size in GiB (nor image=FILE)");
    }
  }

  /** {@code user}, {@code default}, {@code default,mac=52:54:00:12:34:56}. */
  static JsonObject nic(String spec) {
    String[] parts = spec.split(",");
    JsonObject nic = new JsonObject();
    if (parts[0].isBlank()) {
      throw CliFailure.badInput("--network '" + spec + "': expected user or a network's name");
    }
    if (!"user".equals(parts[0])) {
      nic.put("network", parts[0]);
    }
    for (int i = 1; i < parts.length; i++) {
      if (parts[i].startsWith("mac=")) {
        nic.put("mac", parts[i].substring(4));
      } else {
        throw CliFailure.badInput("--network '" + spec + "': unknown part '" + parts[i] + "' (only mac=...)");
      }
    }
    return nic;
  }
}
