package io.virtflow.devstack;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar virtflow.jar <command>}: the dev stack's command line. */
@Command(name = "virtflow", mixinStandardHelpOptions = true, version = "virtflow 0.1.0",
    description = "libvirt's domain API as an event-driven control plane over Kafka.",
    subcommands = {VirtflowCli.Up.class, io.virtflow.devstack.bench.BenchCommand.class})
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
      description = "Start embedded Kafka, the gateway, the snapshot service and N host agents (sim driver).")
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

    @Override
    public Integer call() throws Exception {
      DevStack.Options options = new DevStack.Options(hosts, httpPort, kafkaPort, dataDir.toAbsolutePath().normalize(),
          bootstrap, "virtflow", simLatencyMs, Map.of());
      DevStack stack = DevStack.start(options);
      CountDownLatch done = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        System.out.println("virtflow: stopping");
        stack.close();
        System.out.println("virtflow: stopped");
        done.countDown();
      }, "virtflow-shutdown"));
      System.out.println();
      System.out.println("virtflow is up: " + hosts + " host agent(s), data in " + options.dataDir());
      System.out.println("  HTTP API   " + stack.httpUrl() + "/v1   (health: " + stack.httpUrl() + "/health)");
      System.out.println("  Kafka      " + stack.bootstrap());
      if (stack.warning() != null) {
        System.out.println("  WARNING    " + stack.warning());
      }
      System.out.println("Ctrl-C stops it; started again on the same --data-dir it finds the same domains.");
      System.out.flush();
      done.await();
      return 0;
    }
  }
}
