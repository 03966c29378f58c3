package io.virtflow.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

import io.virtflow.agent.HostAgentConfig;
import io.virtflow.gateway.GatewayConfig;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.config.Settings;
import io.virtflow.platform.security.BusAcls;
import io.virtflow.platform.security.BusSetup;
import io.virtflow.schema.Topics;
import io.virtflow.snapshot.SnapshotServiceConfig;

/**
 * No Docker engine runs here, so docker-compose.yml cannot be started in CI. This test keeps it honest
 * instead: every service runs a jar its module builds, every variable it sets is one its configuration
 * reads and is accepted by it, ports line up, and the brokers form the cluster docs/DESIGN.md §3 asks
 * for.
 */
class ComposeFileTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final String INIT = "kafka-init";
  private static Map<String, Map<String, Object>> services;

  /** What a service module's container needs: its config keys and a parse of its environment. */
  private record Kind(String module, Class<?> configClass, Function<Map<String, String>, Object> parse) {
  }

  private static final List<Kind> KINDS = List.of(
      new Kind("api-gateway", GatewayConfig.class, GatewayConfig::from),
      new Kind("snapshot-service", SnapshotServiceConfig.class, SnapshotServiceConfig::from),
      new Kind("host-agent", HostAgentConfig.class, HostAgentConfig::from));

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void load() throws IOException {
    try (Reader r = Files.newBufferedReader(ROOT.resolve("docker-compose.yml"))) {
      Map<String, Object> doc = new Yaml(new LoaderOptions()).load(r);
      services = (Map<String, Map<String, Object>>) doc.get("services");
    }
  }

  private static boolean isBroker(String service) {
    return service.matches("kafka-[0-9]+");
  }

  @Test
  void threeKraftBrokersReplicateThreeWaysWithTwoInSync() {
    List<String> brokers = services.keySet().stream().filter(ComposeFileTest::isBroker).sorted().toList();
    assertThat(brokers).containsExactly("kafka-1", "kafka-2", "kafka-3");
    Set<String> nodeIds = new HashSet<>();
    for (String b : brokers) {
      Map<String, String> env = env(b);
      assertThat(services.get(b).get("image").toString()).startsWith("apache/kafka:");
      nodeIds.add(env.get("KAFKA_NODE_ID"));
      assertThat(env.get("KAFKA_PROCESS_ROLES")).isEqualTo("broker,controller");
      assertThat(env.get("KAFKA_CONTROLLER_QUORUM_VOTERS")).isEqualTo("1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093");
      assertThat(env.get("KAFKA_ADVERTISED_LISTENERS")).isEqualTo("CLIENT://" + b + ":9092,INTERNAL://" + b + ":19092");
      assertThat(env.get("KAFKA_LOG_DIRS")).as("%s keeps its log on its volume", b)
          .isEqualTo(volumes(b).get(0).substring(volumes(b).get(0).indexOf(':') + 1));
      assertThat(env.get("KAFKA_DEFAULT_REPLICATION_FACTOR")).isEqualTo("3");
      assertThat(env.get("KAFKA_MIN_INSYNC_REPLICAS")).isEqualTo("2");
      assertThat(env.get("KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE")).isEqualTo("false");
    }
    assertThat(nodeIds).containsExactlyInAnyOrder("1", "2", "3");
  }

  @Test
  void everyServiceRunsItsModulesJarWithSettingsItReadsAndAccepts() {
    // See withTestKey: the gateway refuses to start without a token key.
    Map<String, Integer> perModule = new HashMap<>();
    for (var entry : services.entrySet()) {
      if (isBroker(entry.getKey()) || entry.getKey().equals(INIT)) {
        continue;
      }
      String name = entry.getKey();
      String jarMount = volumes(name).stream().filter(v -> v.endsWith(":/app/service.jar:ro")).findFirst()
          .orElseThrow(() -> new AssertionError(name + " mounts no service jar"));
      Kind kind = KINDS.stream().filter(k -> jarMount.startsWith("./" + k.module() + "/target/virtflow-" + k.module() + ".jar:"))
          .findFirst().orElseThrow(() -> new AssertionError(name + " runs an unknown jar: " + jarMount));
      assertThat(ROOT.resolve(kind.module()).resolve("pom.xml")).exists();
      // The root pom's service-jar execution shades target/<artifactId>.jar with service.mainClass.
      String pom = pom(kind.module());
      assertThat(pom).contains("<artifactId>virtflow-" + kind.module() + "</artifactId>").contains("maven-shade-plugin");
      String mainClass = pom.replaceAll("(?s).*<service.mainClass>([^<]+)</service.mainClass>.*", "$1");
      assertThat(mainClass).as("%s names its main class", kind.module()).doesNotContain("<");
      assertThat(classExists(mainClass)).as("main class %s exists", mainClass).isTrue();
      perModule.merge(kind.module(), 1, Integer::sum);

      Map<String, String> env = env(name);
      Set<String> known = new HashSet<>(keysOf(kind.configClass()));
      known.addAll(keysOf(BusConfig.class));
      assertThat(env.keySet()).as("%s sets variables its configuration does not read", name).isSubsetOf(known);
      if (kind.module().equals("api-gateway")) {
        env = withTestKey(name, env);
      }
      Object config = kind.parse().apply(env); // throws, naming every problem, if a value is refused
      assertThat(config).isNotNull();

      assertThat(env.get(BusConfig.NAMESPACE)).isEqualTo(Topics.production().namespace());
      assertThat(env.get(BusConfig.REPLICATION)).isEqualTo("3");
      assertThat(env.get(BusConfig.MIN_INSYNC)).isEqualTo("2");
      for (String server : env.get(BusConfig.BOOTSTRAP).split(",")) {
        String host = server.substring(0, server.indexOf(':'));
        assertThat(services).as("bootstrap names a broker service").containsKey(host);
        assertThat(server).endsWith(":9092");
      }
    }
    assertThat(perModule).containsEntry("api-gateway", 1).containsEntry("snapshot-service", 1);
    assertThat(perModule.get("host-agent")).isGreaterThanOrEqualTo(2);
  }

  @Test
  void brokersAuthenticateEveryClientAndAllowOnlyWhatAnAclGrants() {
    for (String b : services.keySet().stream().filter(ComposeFileTest::isBroker).toList()) {
      Map<String, String> env = env(b);
      assertThat(env.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP").split(",")).as("%s: no PLAINTEXT client listener", b)
          .containsExactlyInAnyOrder("CLIENT:SASL_PLAINTEXT", "INTERNAL:SASL_PLAINTEXT", "CONTROLLER:PLAINTEXT");
      assertThat(env.get("KAFKA_CONTROLLER_LISTENER_NAMES")).isEqualTo("CONTROLLER");
      assertThat(env.get("KAFKA_LISTENER_NAME_CLIENT_SASL_ENABLED_MECHANISMS")).isEqualTo("SCRAM-SHA-512");
      assertThat(env.get("KAFKA_AUTHORIZER_CLASS_NAME"))
          .isEqualTo("org.apache.kafka.metadata.authorizer.StandardAuthorizer");
      assertThat(env.get("KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND")).isEqualTo("false");
      assertThat(env.get("KAFKA_SUPER_USERS").split(";")).contains(BusAcls.principal(BusAcls.ADMIN));
    }
  }

  /** Each service logs in as the user the ACL table (platform BusAcls) grants that service's rights to. */
  @Test
  void everyServiceLogsInAsItsOwnUserOfTheAclTableAndKafkaInitCreatesExactlyThose() {
    Map<String, String> expected = new HashMap<>();
    for (String name : services.keySet()) {
      if (isBroker(name) || name.equals(INIT)) {
        continue;
      }
      Map<String, String> env = env(name);
      String user;
      if (name.equals("api-gateway")) {
        user = BusAcls.GATEWAY;
      } else if (name.equals("snapshot-service")) {
        user = BusAcls.SNAPSHOT;
      } else {
        assertThat(name).startsWith("host-agent");
        user = BusAcls.agentUser(env.get(HostAgentConfig.HOST_ID));
      }
      BusConfig bus = BusConfig.from(new Settings(env));
      assertThat(bus.security().protocol()).as(name).isEqualTo("SASL_PLAINTEXT");
      assertThat(bus.security().mechanism()).as(name).isEqualTo("SCRAM-SHA-512");
      assertThat(bus.security().username()).as("%s's Kafka user", name).isEqualTo(user);
      assertThat(expected.put(user, env.get(BusConfig.PASSWORD))).as("%s shares its user", name).isNull();
      assertThat(services.get(name).get("depends_on")).as("%s waits for %s", name, INIT)
          .isEqualTo(Map.of(INIT, Map.of("condition", "service_completed_successfully")));
    }
    Map<String, String> init = env(INIT);
    Settings s = new Settings(init);
    Map<String, String> created = BusSetup.parseUsers(init.get(BusSetup.USERS), s);
    BusConfig admin = BusConfig.from(s);
    s.validate();
    assertThat(created).as("users kafka-init creates, with the passwords the services use").isEqualTo(expected);
    assertThat(admin.security().username()).isEqualTo(BusAcls.ADMIN);
    assertThat(admin.topics().namespace()).isEqualTo(Topics.production().namespace());
    assertThat(String.join(" ", strings(services.get(INIT).get("command"))))
        .contains(BusSetup.class.getName());
    assertThat(classExists(BusSetup.class.getName())).isTrue();
    assertThat(volumes(INIT)).contains("./api-gateway/target/virtflow-api-gateway.jar:/app/service.jar:ro");
    assertThat(pom("api-gateway")).contains("<artifactId>virtflow-platform</artifactId>");
    // kafka-init talks to the brokers' internal listener as the admin their JAAS configuration knows.
    for (String b : services.keySet().stream().filter(ComposeFileTest::isBroker).toList()) {
      assertThat(admin.bootstrap().split(",")).contains(b + ":19092");
      String jaas = env(b).get("KAFKA_LISTENER_NAME_INTERNAL_PLAIN_SASL_JAAS_CONFIG");
      assertThat(jaas).contains("user_admin=\"" + init.get(BusConfig.PASSWORD) + "\"");
      assertThat(admin.security().mechanism()).isEqualTo("PLAIN");
    }
  }

  @Test
  void theGatewaysPublishedPortIsTheOneItListensOn() {
    String port = env("api-gateway").get(GatewayConfig.HTTP_PORT);
    assertThat(strings(services.get("api-gateway").get("ports"))).contains(port + ":" + port);
  }

  @Test
  void hostAgentsHaveDistinctIdsAndDataVolumesOfTheirOwn() {
    List<String> agents = services.keySet().stream().filter(n -> n.startsWith("host-agent")).toList();
    Set<String> ids = agents.stream().map(a -> env(a).get(HostAgentConfig.HOST_ID)).collect(Collectors.toSet());
    assertThat(ids).hasSize(agents.size()).allMatch(Topics::isValidHostId);
    Set<String> dataVolumes = new HashSet<>();
    for (String a : agents) {
      String dataDir = env(a).get(HostAgentConfig.DATA_DIR);
      String volume = volumes(a).stream().filter(v -> v.endsWith(":" + dataDir)).findFirst()
          .orElseThrow(() -> new AssertionError(a + " keeps its data dir on no volume"));
      dataVolumes.add(volume.substring(0, volume.indexOf(':')));
    }
    assertThat(dataVolumes).hasSize(agents.size());
  }

  @Test
  void hostAgentsRunAnImageThatHasQemuImg() throws IOException {
    for (String a : services.keySet().stream().filter(n -> n.startsWith("host-agent")).toList()) {
      assertThat(String.valueOf(services.get(a).get("build"))).as("%s builds host-agent/Dockerfile", a)
          .isEqualTo("./host-agent");
      String backend = env(a).getOrDefault("VIRTFLOW_SIM_DISK_BACKEND", "qcow2");
      assertThat(backend).isEqualTo("qcow2");
    }
    String dockerfile = Files.readString(ROOT.resolve("host-agent").resolve("Dockerfile"));
    assertThat(dockerfile).contains("qemu-utils").contains("/app/service.jar");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> env(String service) {
    Object env = services.get(service).get("environment");
    Map<String, String> out = new HashMap<>();
    ((Map<String, Object>) env).forEach((k, v) -> out.put(k, String.valueOf(v)));
    return out;
  }

  private static List<String> volumes(String service) {
    return strings(services.get(service).get("volumes"));
  }

  private static List<String> strings(Object list) {
    List<String> out = new ArrayList<>();
    if (list instanceof List<?> l) {
      l.forEach(v -> out.add(String.valueOf(v)));
    }
    return out;
  }

  private static boolean classExists(String name) {
    try {
      Class.forName(name, false, ComposeFileTest.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  private static String pom(String module) {
    try {
      return Files.readString(ROOT.resolve(module).resolve("pom.xml"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The environment variables a configuration class reads: its VIRTFLOW_* constants. */
  private static Set<String> keysOf(Class<?> type) {
    Set<String> keys = new HashSet<>();
    for (Field f : type.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
        try {
          f.setAccessible(true);
          Object v = f.get(null);
          if (v instanceof String s && s.startsWith("VIRTFLOW_")) {
            keys.add(s);
          }
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return keys;
  }

  /**
   * The gateway does not start without a token key: the service must name a key file that a volume
   * mounts. The deployment's own key is not in the repository, so the configuration is read with a
   * test key in its place.
   */
  private Map<String, String> withTestKey(String name, Map<String, String> env) {
    String keyFile = env.get(GatewayConfig.JWT_PUBLIC_KEY_FILE);
    assertThat(keyFile).as("%s must set %s (a PEM file with the token signing key's public half, mounted from the "
        + "host; see docs/SECURITY.md): the gateway does not start without one", name,
        GatewayConfig.JWT_PUBLIC_KEY_FILE).isNotNull();
    assertThat(volumes(name)).as("%s mounts the key file %s", name, keyFile).anyMatch(v -> {
      String[] parts = v.split(":");
      return parts.length >= 2 && (keyFile.equals(parts[1]) || keyFile.startsWith(parts[1] + "/"));
    });
    try {
      java.nio.file.Path pem = java.nio.file.Files.createTempFile("compose-test-key", ".pem");
      pem.toFile().deleteOnExit();
      java.nio.file.Files.writeString(pem, io.virtflow.gateway.auth.KeyFiles.publicPem(
          io.virtflow.gateway.auth.KeyFiles.generate().getPublic()));
      Map<String, String> copy = new HashMap<>(env);
      copy.put(GatewayConfig.JWT_PUBLIC_KEY_FILE, pem.toString());
      return copy;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
