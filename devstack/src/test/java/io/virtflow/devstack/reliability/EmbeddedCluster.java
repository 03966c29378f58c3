package io.virtflow.devstack.reliability;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;

/**
 * Three KRaft nodes in this JVM, each broker and controller, voters all three: replication factor 3,
 * {@code min.insync.replicas=2}, unclean leader election off, as the distributed deployment runs. A node
 * can be stopped (a broker lost) and started again on its log dir.
 */
final class EmbeddedCluster implements AutoCloseable {
  private static final int NODES = 3;
  private final Path dir;
  private final String clusterId = Uuid.randomUuid().toString();
  private final int[] ports = new int[NODES];
  private final int[] controllerPorts = new int[NODES];
  private final KafkaRaftServer[] servers = new KafkaRaftServer[NODES];

  private EmbeddedCluster(Path dir) {
    this.dir = dir;
    for (int i = 0; i < NODES; i++) {
      ports[i] = freePort();
      controllerPorts[i] = freePort();
    }
  }

  static EmbeddedCluster start(Path dir) {
    EmbeddedCluster c = new EmbeddedCluster(dir);
    List<Thread> starting = new ArrayList<>();
    // All at once: a controller quorum of three needs two voters up before any node finishes starting.
    for (int i = 0; i < NODES; i++) {
      int node = i;
      Thread t = new Thread(() -> c.startNode(node), "start-kafka-" + (node + 1));
      t.start();
      starting.add(t);
    }
    for (Thread t : starting) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (int i = 0; i < NODES; i++) {
      if (c.servers[i] == null) {
        c.close();
        throw new IllegalStateException("kafka node " + (i + 1) + " did not start");
      }
    }
    return c;
  }

  String bootstrap() {
    return IntStream.range(0, NODES).mapToObj(i -> "127.0.0.1:" + ports[i]).collect(Collectors.joining(","));
  }

  /** Stops node {@code i} (0-based) cleanly, as a broker taken down. */
  void stopNode(int i) {
    KafkaRaftServer s = servers[i];
    servers[i] = null;
    if (s != null) {
      s.shutdown();
      s.awaitShutdown();
    }
  }

  void startNode(int i) {
    Path logDir = dir.resolve("node-" + (i + 1));
    try {
      Files.createDirectories(logDir);
      Properties props = properties(i, logDir);
      Path file = dir.resolve("node-" + (i + 1) + ".properties");
      try (var out = Files.newOutputStream(file)) {
        props.store(out, "reliability cluster node " + (i + 1));
      }
      ByteArrayOutputStream buffer = new ByteArrayOutputStream();
      try (PrintStream print = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
        StorageTool.execute(new String[] {"format", "-t", clusterId, "-c", file.toString(), "--ignore-formatted"},
            print);
      }
      KafkaRaftServer s = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
      s.startup();
      servers[i] = s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException("kafka node " + (i + 1) + " failed to start: " + e, e);
    }
  }

  private Properties properties(int i, Path logDir) {
    String voters = IntStream.range(0, NODES).mapToObj(n -> (n + 1) + "@127.0.0.1:" + controllerPorts[n])
        .collect(Collectors.joining(","));
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", Integer.toString(i + 1));
    p.put("controller.quorum.voters", voters);
    p.put("listeners", "PLAINTEXT://127.0.0.1:" + ports[i] + ",CONTROLLER://127.0.0.1:" + controllerPorts[i]);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + ports[i]);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("log.dirs", logDir.toAbsolutePath().toString());
    p.put("num.partitions", "3");
    p.put("default.replication.factor", "3");
    p.put("min.insync.replicas", "2");
    p.put("unclean.leader.election.enable", "false");
    p.put("offsets.topic.replication.factor", "3");
    p.put("offsets.topic.num.partitions", "3");
    p.put("transaction.state.log.replication.factor", "3");
    p.put("transaction.state.log.min.isr", "2");
    p.put("share.coordinator.state.topic.replication.factor", "3");
    p.put("share.coordinator.state.topic.min.isr", "2");
    p.put("group.initial.rebalance.delay.ms", "0");
    p.put("log.cleaner.dedupe.buffer.size", "2097152");
    p.put("auto.create.topics.enable", "false");
    return p;
  }

  @Override
  public void close() {
    // All at once: stopped one by one, the last nodes would wait for a controller quorum that is gone.
    List<Thread> stopping = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      int node = i;
      Thread t = new Thread(() -> {
        try {
          stopNode(node);
        } catch (RuntimeException e) {
          System.out.println("stopping kafka node " + (node + 1) + ": " + e);
        }
      }, "stop-kafka-" + (node + 1));
      t.start();
      stopping.add(t);
    }
    for (Thread t : stopping) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
