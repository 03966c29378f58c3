package io.virtflow.devstack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import io.virtflow.devstack.cli.DefineVerb;
import io.virtflow.devstack.cli.DomainVerbs;
import io.virtflow.devstack.cli.EventVerb;
import io.virtflow.devstack.cli.LifecycleVerbs;
import io.virtflow.devstack.cli.OpsVerbs;
import io.virtflow.devstack.cli.SnapshotVerbs;
import io.virtflow.gateway.domain.Role;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar virtflow.jar <command>}: the dev stack's command line. */
@Command(name = "virtflow", mixinStandardHelpOptions = true, version = "virtflow 0.1.0",
    description = "libvirt's domain API as an event-driven control plane over Kafka.",
    subcommands = {VirtflowCli.Up.class, VirtflowCli.Token.class, io.virtflow.devstack.bench.BenchCommand.class,
        // The virsh-like verbs against a running gateway (README, "Command line").
        DomainVerbs.ListDomains.class, DomainVerbs.DomInfo.class, DomainVerbs.DomState.class, DefineVerb.class,
        LifecycleVerbs.Start.class, LifecycleVerbs.Shutdown.class, LifecycleVerbs.Reboot.class,
        LifecycleVerbs.Destroy.class, LifecycleVerbs.Suspend.class, LifecycleVerbs.Resume.class,
        LifecycleVerbs.Undefine.class, EventVerb.class, SnapshotVerbs.Create.class, SnapshotVerbs.ListSnapshots.class,
        SnapshotVerbs.Info.class, SnapshotVerbs.Revert.class, SnapshotVerbs.Delete.class, OpsVerbs.Hosts.class,
        OpsVerbs.CommandStatus.class, OpsVerbs.Cancel.class, OpsVerbs.Console.class, OpsVerbs.Completion.class})
public final class VirtflowCli implements Callable<Integer> {

  public static void main(String[] args) {
    System.exit(new CommandLine(new VirtflowCli()).execute(args));
  }

  @Override
  public Integer call() {
    new CommandLine(this).usage(System.out);
    return 0;
  }

  /** Runs the whole stack in this JVM until SIGTERM / Ctrl-C. */
  @Command(name = "up", mixinStandardHelpOptions = true,
      description = "Start embedded Kafka, the gateway, the snapshot service and N host agents (sim or libvirt driver).")
  static final class Up implements Callable<Integer> {
    @Option(names = "--hosts", defaultValue = "2", description = "Host agents to run (default ${DEFAULT-VALUE}).")
    int hosts;

    @Option(names = "--http-port", defaultValue = "8080", description = "Gateway port (default ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--kafka-port", defaultValue = "9092",
        description = "Embedded broker's port (default ${DEFAULT-VALUE}).")
    int kafkaPort;

    @Option(names = "--data-dir", defaultValue = "./.virtflow",
        description = "Where the broker's log, the agents' domains and journals live (default ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--bootstrap", description = "Use this Kafka (HOST:PORT) instead of the embedded broker.")
    String bootstrap;

    @Option(names = "--sim-latency-ms", defaultValue = "0",
        description = "Simulated hypervisor latency per operation (default ${DEFAULT-VALUE}).")
    long simLatencyMs;

    @Option(names = "--driver", defaultValue = "sim",
        description = "Hypervisor driver of the agents: sim or libvirt (real QEMU guests; default ${DEFAULT-VALUE}).")
    String driver;

    @Option(names = "--libvirt-uri", defaultValue = "qemu:///system",
        description = "With --driver libvirt: the libvirt connection (default ${DEFAULT-VALUE}).")
    String libvirtUri;

    @Option(names = "--image-dir",
        description = "The hosts' image directory: kernels, initrds, base images a definition names "
            + "(default <data-dir>/images).")
    Path imageDir;

    @Override
    public Integer call() throws Exception {
      Path data = dataDir.toAbsolutePath().normalize();
      Map<String, String> extra = new java.util.HashMap<>();
      extra.put("VIRTFLOW_DRIVER", driver);
      extra.put("VIRTFLOW_LIBVIRT_URI", libvirtUri);
      extra.put("VIRTFLOW_IMAGE_DIR", (imageDir == null ? data.resolve("images") : imageDir).toAbsolutePath()
          .normalize().toString());
      DevStack.Options options = new DevStack.Options(hosts, httpPort, kafkaPort, data, bootstrap, "virtflow",
          simLatencyMs, extra);
      DevStack stack = DevStack.start(options);
      CountDownLatch done = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        System.out.println("virtflow: stopping");
        stack.close();
        System.out.println("virtflow: stopped");
        done.countDown();
      }, "virtflow-shutdown"));
      System.out.println();
      System.out.println("virtflow is up: " + hosts + " host agent(s) (" + driver + " driver), data in "
          + options.dataDir());
      System.out.println("  images     " + extra.get("VIRTFLOW_IMAGE_DIR"));
      System.out.println("  HTTP API   " + stack.httpUrl() + "/v1   (health: " + stack.httpUrl() + "/health)");
      System.out.println("  Kafka      " + stack.bootstrap());
      Path token = DevStack.adminTokenFile(options.dataDir());
      System.out.println("  admin token: " + token + "  (curl -H \"Authorization: Bearer $(cat " + token + ")\" "
          + stack.httpUrl() + "/v1/domains)");
      if (stack.warning() != null) {
        System.out.println("  WARNING    " + stack.warning());
      }
      System.out.println("Ctrl-C stops it; started again on the same --data-dir it finds the same domains.");
      System.out.flush();
      done.await();
      return 0;
    }
  }

  /** Prints a token signed with a data dir's key. */
  @Command(name = "token", mixinStandardHelpOptions = true,
      description = "Print a bearer token signed with the key of a data dir that 'virtflow up' has used.")
  static final class Token implements Callable<Integer> {
    @Option(names = "--data-dir", defaultValue = "./.virtflow",
        description = "The data dir whose keys/ sign the token (default ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--role", required = true, description = "viewer, operator or admin.")
    String role;

    @Option(names = "--project", description = "A project the token's holder belongs to (repeatable).")
    List<String> projects = new ArrayList<>();

    @Option(names = "--sub", description = "The principal's name (default: the role's name).")
    String sub;

    @Option(names = "--ttl", defaultValue = "1h", description = "Lifetime, like 30m, 1h, 7d (default ${DEFAULT-VALUE}).")
    String ttl;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      Role r = Role.fromClaim(role).orElse(null);
      if (r == null) {
        return usage("--role must be viewer, operator or admin, not '" + role + "'");
      }
      Duration lifetime;
      try {
        lifetime = parseDuration(ttl);
      } catch (IllegalArgumentException e) {
        return usage(e.getMessage());
      }
      for (String p : projects) {
        if (p.isBlank() || p.length() > 255) {
          return usage("--project must be 1 to 255 characters");
        }
      }
      if (r != Role.ADMIN && projects.isEmpty()) {
        return usage("a " + r.claim() + " token needs at least one --project");
      }
      String subject = sub == null ? r.claim() : sub;
      if (subject.isBlank() || subject.length() > 255) {
        return usage("--sub must be 1 to 255 characters");
      }
      try {
        spec.commandLine().getOut().println(DevStack.mintToken(dataDir.toAbsolutePath().normalize(), subject, r,
            projects, lifetime));
        spec.commandLine().getOut().flush();
        return 0;
      } catch (IllegalStateException | IllegalArgumentException e) {
        spec.commandLine().getErr().println("virtflow token: " + e.getMessage());
        return 1;
      }
    }

    private int usage(String message) {
      spec.commandLine().getErr().println("virtflow token: " + message);
      return 2;
    }
  }

  /** {@code 30s}, {@code 30m}, {@code 1h}, {@code 7d}: a positive whole number and one unit, at most 3650 days. */
  static Duration parseDuration(String text) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("([1-9][0-9]{0,9})([smhd])").matcher(
        text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("--ttl must be a number and a unit (s, m, h, d), like 30m, 1h or 7d, not '"
          + text + "'");
    }
    long n = Long.parseLong(m.group(1));
    Duration d = switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
    if (d.compareTo(Duration.ofDays(3650)) > 0) {
      throw new IllegalArgumentException("--ttl must be at most 3650d, not '" + text + "'");
    }
    return d;
  }
}
