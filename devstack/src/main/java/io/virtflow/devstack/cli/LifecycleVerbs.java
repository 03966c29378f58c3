package io.virtflow.devstack.cli;

import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code start shutdown reboot destroy suspend resume undefine}: one command each, waited for by default. */
public final class LifecycleVerbs {
  private LifecycleVerbs() {
  }

  /** {@code POST /v1/domains/{domain}/{operation}}. */
  abstract static class Lifecycle extends Submitting {
    @Parameters(index = "0", paramLabel = "DOMAIN", description = "The domain's name or id.")
    String domain;

    abstract String operation();

    abstract String done();

    JsonObject body() {
      return new JsonObject();
    }

    @Override
    protected int run() {
      return submit(gateway().post(domainPath(domain) + "/" + operation(), body().encode()),
          operation() + " " + domain, status -> "Domain '" + domain + "' " + done(), domain, IN_END_STATE);
    }
  }

  @Command(name = "start", mixinStandardHelpOptions = true, description = "Start a domain (virsh start).")
  public static final class Start extends Lifecycle {
    @Option(names = "--paused", description = "Leave it paused once started.")
    boolean paused;

    @Override
    String operation() {
      return "start";
    }

    @Override
    String done() {
      return paused ? "started (paused)" : "started";
    }

    @Override
    JsonObject body() {
      return paused ? new JsonObject().put("paused", true) : new JsonObject();
    }
  }

  @Command(name = "shutdown", mixinStandardHelpOptions = true,
      description = "Ask the guest to power off (ACPI; virsh shutdown); waits until it is shut off.")
  public static final class Shutdown extends Lifecycle {
    @Override
    String operation() {
      return "shutdown";
    }

    @Override
    String done() {
      return "is shut off";
    }
  }

  @Command(name = "reboot", mixinStandardHelpOptions = true, description = "Reboot a domain (virsh reboot).")
  public static final class Reboot extends Lifecycle {
    @Override
    String operation() {
      return "reboot";
    }

    @Override
    String done() {
      return "rebooted";
    }
  }

  @Command(name = "destroy", mixinStandardHelpOptions = true,
      description = "Power a domain off at once (virsh destroy); its definition stays.")
  public static final class Destroy extends Lifecycle {
    @Override
    String operation() {
      return "destroy";
    }

    @Override
    String done() {
      return "destroyed";
    }
  }

  @Command(name = "suspend", mixinStandardHelpOptions = true, description = "Pause a domain (virsh suspend).")
  public static final class Suspend extends Lifecycle {
    @Override
    String operation() {
      return "suspend";
    }

    @Override
    String done() {
      return "suspended";
    }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume a paused domain (virsh resume).")
  public static final class Resume extends Lifecycle {
    @Override
    String operation() {
      return "resume";
    }

    @Override
    String done() {
      return "resumed";
    }
  }

  @Command(name = "undefine", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"Remove a domain's definition (virsh undefine). An active domain is refused: destroy it "
          + "first."})
  public static final class Undefine extends Submitting {
    @Parameters(index = "0", paramLabel = "DOMAIN", description = "The domain's name or id.")
    String domain;

    @Option(names = "--snapshots-metadata", description = "Also drop the metadata of its snapshots (needed when it "
        + "has any).")
    boolean snapshotsMetadata;

    @Option(names = "--remove-all-storage", description = "Also delete its disk files.")
    boolean removeStorage;

    @Override
    protected int run() {
      StringBuilder path = new StringBuilder(domainPath(domain));
      String sep = "?";
      if (snapshotsMetadata) {
        path.append(sep).append("snapshotsMetadata=true");
        sep = "&";
      }
      if (removeStorage) {
        path.append(sep).append("removeStorage=true");
      }
      return submit(gateway().delete(path.toString()), "undefine " + domain,
          status -> "Domain '" + domain + "' has been undefined", domain, GONE);
    }
  }
}
