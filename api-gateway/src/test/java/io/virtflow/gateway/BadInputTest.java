package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.vertx.core.json.JsonObject;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.SnapshotPhase;

/**
 * Bad input gets a clear problem document naming the field, and nothing reaches any command topic (nor
 * {@code snapshot.requests}). This gateway's bus has no host that ever sent a heartbeat; one domain
 * ("taken") exists, with one snapshot ("base").
 */
class BadInputTest {
  private static BusConfig bus;
  private static TestAgent stateOnly;
  private static RunningGateway gw;
  private static final String UUID_NAME = "123e4567-e89b-12d3-a456-426614174000";

  @BeforeAll
  static void setUp() {
    bus = KafkaFixture.freshBus();
    stateOnly = TestAgent.start(bus, KafkaFixture.admin(), "hx");
    String taken = stateOnly.existingDomain("taken");
    stateOnly.send(bus.topics().snapshotEvents(), taken, Codecs.SNAPSHOT_EVENT.encode(TestSnapshotService.event(taken,
        SnapshotPhase.CREATED, null, "base", TestSnapshotService.chain(taken, "base"))));
    gw = RunningGateway.start(bus, Map.of(GatewayConfig.MAX_BODY_BYTES, "2048"));
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/domains/taken").status() == 200
        && gw.get("/v1/domains/taken/snapshots/base").status() == 200);
  }

  @AfterAll
  static void tearDown() {
    gw.close();
    stateOnly.close();
  }

  @AfterEach
  void nothingReachedKafka() throws Exception {
    assertThat(recordsOnCommandTopics()).isZero();
  }

  private static long recordsOnCommandTopics() throws Exception {
    var admin = KafkaFixture.admin();
    Set<String> topics = admin.listTopics().names().get(10, TimeUnit.SECONDS).stream()
        .filter(t -> t.startsWith(bus.topics().namespace() + ".host.") || t.equals(bus.topics().commandStatus())
            || t.equals(bus.topics().commands()) || t.equals(bus.topics().snapshotRequests()))
        .collect(Collectors.toSet());
    assertThat(topics).contains(bus.topics().hostCommands("hx"), bus.topics().commandStatus(),
        bus.topics().snapshotRequests());
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).forEach((name, d) ->
        d.partitions().forEach(p -> latest.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
    return admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).values().stream()
        .mapToLong(o -> o.offset()).sum();
  }

  private static String define(String name, String vcpus, String memory, String disks) {
    return "{\"name\":" + name + ",\"vcpus\":" + vcpus + ",\"memoryMiB\":" + memory
        + (disks == null ? "" : ",\"disks\":" + disks) + "}";
  }

  private static String named(String jsonName) {
    return define(jsonName, "1", "512", null);
  }

  static Stream<Arguments> badDefines() {
    String seventeen = Stream.of("abcdefghijklmnopq".split("")).map(c -> "{\"target\":\"vd" + c + "\",\"sizeGiB\":1}")
        .collect(Collectors.joining(",", "[", "]"));
    return Stream.of(
        Arguments.of("empty body", "", "body"),
        Arguments.of("malformed JSON", "{\"name\":", "body"),
        Arguments.of("not an object", "[1,2]", "body"),
        Arguments.of("a string", "\"web\"", "body"),
        Arguments.of("duplicate key", "{\"name\":\"a\",\"name\":\"b\",\"vcpus\":1,\"memoryMiB\":512}", "body"),
        Arguments.of("trailing data", named("\"a\"") + " {}", "body"),
        Arguments.of("invalid UTF-8 escape", "{\"name\":\"\\x\"}", "body"),
        Arguments.of("name is a number", named("5"), "name"),
        Arguments.of("vcpus is a string", define("\"a\"", "\"2\"", "512", null), "vcpus"),
        Arguments.of("vcpus is a fraction", define("\"a\"", "2.5", "512", null), "vcpus"),
        Arguments.of("memory is a boolean", define("\"a\"", "1", "true", null), "memoryMiB"),
        Arguments.of("disks is an object", define("\"a\"", "1", "512", "{}"), "disks"),
        Arguments.of("a disk is a number", define("\"a\"", "1", "512", "[1]"), "disks[0]"),
        Arguments.of("disk size is a string", define("\"a\"", "1", "512", "[{\"target\":\"vda\",\"sizeGiB\":\"10\"}]"),
            "disks[0].sizeGiB"),
        Arguments.of("host is a number", "{\"name\":\"a\",\"host\":7,\"vcpus\":1,\"memoryMiB\":512}", "host"),
        Arguments.of("unknown field", "{\"name\":\"a\",\"vcpus\":1,\"memoryMiB\":512,\"color\":\"red\"}", "color"),
        Arguments.of("unknown disk field", define("\"a\"", "1", "512",
            "[{\"target\":\"vda\",\"sizeGiB\":1,\"format\":\"raw\"}]"), "disks[0].format"),
        Arguments.of("missing name", "{\"vcpus\":1,\"memoryMiB\":512}", "name"),
        Arguments.of("null name", named("null"), "name"),
        Arguments.of("missing vcpus", "{\"name\":\"a\",\"memoryMiB\":512}", "vcpus"),
        Arguments.of("missing memory", "{\"name\":\"a\",\"vcpus\":1}", "memoryMiB"),
        Arguments.of("missing disk target", define("\"a\"", "1", "512", "[{\"sizeGiB\":1}]"), "disks[0].target"),
        Arguments.of("empty name", named("\"\""), "name"),
        Arguments.of("name with a slash", named("\"a/b\""), "name"),
        Arguments.of("name is a slash", named("\"/\""), "name"),
        Arguments.of("name is ..", named("\"..\""), "name"),
        Arguments.of("name is .", named("\".\""), "name"),
        Arguments.of("name with NUL", named("\"a\\u0000b\""), "name"),
        Arguments.of("name of 65 characters", named("\"" + "a".repeat(65) + "\""), "name"),
        Arguments.of("name like a UUID", named("\"" + UUID_NAME + "\""), "name"),
        Arguments.of("name starting with a dash", named("\"-a\""), "name"),
        Arguments.of("name with a space", named("\"a b\""), "name"),
        Arguments.of("vcpus 0", define("\"a\"", "0", "512", null), "vcpus"),
        Arguments.of("vcpus 257", define("\"a\"", "257", "512", null), "vcpus"),
        Arguments.of("vcpus beyond a long", define("\"a\"", "99999999999999999999999", "512", null), "vcpus"),
        Arguments.of("memory 15", define("\"a\"", "1", "15", null), "memoryMiB"),
        Arguments.of("memory too large", define("\"a\"", "1", "4194305", null), "memoryMiB"),
        Arguments.of("17 disks", define("\"a\"", "1", "512", seventeen), "disks"),
        Arguments.of("bad target", define("\"a\"", "1", "512", "[{\"target\":\"xvda\",\"sizeGiB\":1}]"),
            "disks[0].target"),
        Arguments.of("duplicate target", define("\"a\"", "1", "512",
            "[{\"target\":\"vda\",\"sizeGiB\":1},{\"target\":\"vda\",\"sizeGiB\":2}]"), "disks[1].target"),
        Arguments.of("disk of 0 GiB", define("\"a\"", "1", "512", "[{\"target\":\"vda\",\"sizeGiB\":0}]"),
            "disks[0].sizeGiB"),
        Arguments.of("disk too large", define("\"a\"", "1", "512", "[{\"target\":\"vda\",\"sizeGiB\":65537}]"),
            "disks[0].sizeGiB"),
        Arguments.of("malformed host id", "{\"name\":\"a\",\"host\":\"bad host!\",\"vcpus\":1,\"memoryMiB\":512}",
            "host"),
        Arguments.of("boot is a string", real("\"boot\":\"vmlinuz\""), "boot"),
        Arguments.of("boot without a kernel", real("\"boot\":{\"initrd\":\"initrd.img\"}"), "boot.kernel"),
        Arguments.of("unknown boot field", real("\"boot\":{\"kernel\":\"k\",\"append\":\"x\"}"), "boot.append"),
        Arguments.of("kernel is absolute", real(kernel("/boot/vmlinuz")), "boot.kernel"),
        Arguments.of("kernel climbs out", real(kernel("../etc/passwd")), "boot.kernel"),
        Arguments.of("kernel climbs out midway", real(kernel("a/../../b")), "boot.kernel"),
        Arguments.of("kernel with an empty segment", real(kernel("a//b")), "boot.kernel"),
        Arguments.of("kernel with a trailing slash", real(kernel("kernels/")), "boot.kernel"),
        Arguments.of("kernel is hidden", real(kernel(".vmlinuz")), "boot.kernel"),
        Arguments.of("kernel is empty", real(kernel("")), "boot.kernel"),
        Arguments.of("kernel with a space", real(kernel("vm linuz")), "boot.kernel"),
        Arguments.of("kernel with a backslash", real(kernel("a\\\\b")), "boot.kernel"),
        Arguments.of("kernel segment of 129", real(kernel("k".repeat(129))), "boot.kernel"),
        Arguments.of("initrd climbs out", real("\"boot\":{\"kernel\":\"k\",\"initrd\":\"..\"}"), "boot.initrd"),
        Arguments.of("initrd is a number", real("\"boot\":{\"kernel\":\"k\",\"initrd\":7}"), "boot.initrd"),
        Arguments.of("cmdline with a newline", real("\"boot\":{\"kernel\":\"k\",\"cmdline\":\"quiet\\ninit=/x\"}"),
            "boot.cmdline"),
        Arguments.of("cmdline with a tab", real("\"boot\":{\"kernel\":\"k\",\"cmdline\":\"a\\tb\"}"), "boot.cmdline"),
        Arguments.of("disk image climbs out", define("\"a\"", "1", "512", "[{\"target\":\"vda\",\"image\":\"../x\"}]"),
            "disks[0].image"),
        Arguments.of("disk image is absolute", define("\"a\"", "1", "512",
            "[{\"target\":\"vda\",\"image\":\"/etc/shadow\"}]"), "disks[0].image"),
        Arguments.of("disk image is an object", define("\"a\"", "1", "512", "[{\"target\":\"vda\",\"image\":{}}]"),
            "disks[0].image"),
        Arguments.of("disk with neither size nor image", define("\"a\"", "1", "512", "[{\"target\":\"vda\"}]"),
            "disks[0].sizeGiB"),
        Arguments.of("disk on an image of 0 GiB", define("\"a\"", "1", "512",
            "[{\"target\":\"vda\",\"image\":\"b.qcow2\",\"sizeGiB\":0}]"), "disks[0].sizeGiB"),
        Arguments.of("interfaces is an object", real("\"interfaces\":{}"), "interfaces"),
        Arguments.of("an interface is a string", real("\"interfaces\":[\"default\"]"), "interfaces[0]"),
        Arguments.of("unknown interface field", real("\"interfaces\":[{\"model\":\"virtio\"}]"), "interfaces[0].model"),
        Arguments.of("network with a slash", real(nic("\"network\":\"a/b\"")), "interfaces[0].network"),
        Arguments.of("network is empty", real(nic("\"network\":\"\"")), "interfaces[0].network"),
        Arguments.of("network is a number", real(nic("\"network\":1")), "interfaces[0].network"),
        Arguments.of("mac in upper case", real(nic("\"mac\":\"52:54:00:AB:CD:EF\"")), "interfaces[0].mac"),
        Arguments.of("mac with dashes", real(nic("\"mac\":\"52-54-00-ab-cd-ef\"")), "interfaces[0].mac"),
        Arguments.of("mac too short", real(nic("\"mac\":\"52:54:00:ab:cd\"")), "interfaces[0].mac"),
        Arguments.of("mac is multicast", real(nic("\"mac\":\"01:00:5e:00:00:01\"")), "interfaces[0].mac"),
        Arguments.of("mac is broadcast", real(nic("\"mac\":\"ff:ff:ff:ff:ff:ff\"")), "interfaces[0].mac"),
        Arguments.of("duplicate mac", real("\"interfaces\":[{\"mac\":\"52:54:00:00:00:01\"},{},"
            + "{\"mac\":\"52:54:00:00:00:01\"}]"), "interfaces[2].mac"),
        Arguments.of("17 interfaces", real("\"interfaces\":[" + "{},".repeat(16) + "{}]"), "interfaces"),
        Arguments.of("guestAgent is a string", real("\"guestAgent\":\"yes\""), "guestAgent"));
  }

  /** A define of a real guest with one more member. */
  private static String real(String member) {
    return "{\"name\":\"g\",\"vcpus\":1,\"memoryMiB\":512," + member + "}";
  }

  private static String kernel(String name) {
    return "\"boot\":{\"kernel\":\"" + name + "\"}";
  }

  private static String nic(String members) {
    return "\"interfaces\":[{" + members + "}]";
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badDefines")
  void badDefinesAre400NamingTheField(String why, String body, String field) {
    RunningGateway.Answer a = gw.post("/v1/domains", body);
    assertProblem(a, 400, "INVALID_ARG");
    assertThat(a.json().getString("field")).as(a.toString()).isEqualTo(field);
    assertThat(a.json().getString("detail")).startsWith(field);
  }

  static Stream<Arguments> otherBadRequests() {
    String unknownId = UUID.randomUUID().toString();
    return Stream.of(
        Arguments.of("POST", "/v1/domains/ghost/start", null, 404, "NO_DOMAIN", null),
        Arguments.of("POST", "/v1/domains/" + unknownId + "/destroy", null, 404, "NO_DOMAIN", null),
        Arguments.of("DELETE", "/v1/domains/ghost", null, 404, "NO_DOMAIN", null),
        Arguments.of("POST", "/v1/domains/taken/start", "{\"paused\":\"yes\"}", 400, "INVALID_ARG", "paused"),
        Arguments.of("POST", "/v1/domains/taken/start", "{\"pause\":true}", 400, "INVALID_ARG", "pause"),
        Arguments.of("POST", "/v1/domains/taken/start", "{", 400, "INVALID_ARG", "body"),
        Arguments.of("POST", "/v1/domains/taken/shutdown", "{\"force\":true}", 400, "INVALID_ARG", "force"),
        Arguments.of("POST", "/v1/domains/taken/fly", null, 404, "INVALID_ARG", null),
        Arguments.of("DELETE", "/v1/domains/taken?force=maybe", null, 400, "INVALID_ARG", "force"),
        Arguments.of("DELETE", "/v1/domains/taken?purge=1", null, 400, "INVALID_ARG", "purge"),
        Arguments.of("DELETE", "/v1/domains/taken?force=true&force=false", null, 400, "INVALID_ARG", "force"),
        Arguments.of("POST", "/v1/domains/taken/start?timeoutMs=0", null, 400, "INVALID_ARG", "timeoutMs"),
        Arguments.of("POST", "/v1/domains/taken/start?timeoutMs=soon", null, 400, "INVALID_ARG", "timeoutMs"),
        Arguments.of("POST", "/v1/domains/taken/start?timeoutMs=300001", null, 400, "INVALID_ARG", "timeoutMs"),
        Arguments.of("POST", "/v1/domains/taken/start?color=red", null, 400, "INVALID_ARG", "color"),
        Arguments.of("POST", "/v1/domains", "{\"name\":\"taken\",\"vcpus\":1,\"memoryMiB\":512}", 409,
            "OPERATION_INVALID", null),
        Arguments.of("POST", "/v1/domains", "{\"name\":\"a\",\"host\":\"ghost\",\"vcpus\":1,\"memoryMiB\":512}", 404,
            "NO_HOST", "host"),
        Arguments.of("POST", "/v1/domains", "{\"name\":\"a\",\"vcpus\":1,\"memoryMiB\":512}", 503, "HOST_UNAVAILABLE",
            null),
        Arguments.of("POST", "/v1/domains", "{\"name\":\"a\",\"vcpus\":1,\"memoryMiB\":512,\"disks\":[]"
            + " ".repeat(3000) + "}", 413, "INVALID_ARG", null),
        Arguments.of("GET", "/v1/domains/ghost", null, 404, "NO_DOMAIN", null),
        Arguments.of("GET", "/v1/domains/" + unknownId, null, 404, "NO_DOMAIN", null),
        Arguments.of("GET", "/v1/commands/not-a-uuid", null, 400, "INVALID_ARG", "id"),
        Arguments.of("GET", "/v1/commands/" + unknownId, null, 404, "INVALID_ARG", null),
        Arguments.of("GET", "/v1/commands/" + unknownId + "?waitMs=-1", null, 400, "INVALID_ARG", "waitMs"),
        Arguments.of("GET", "/v1/commands/" + unknownId + "?wait=1", null, 400, "INVALID_ARG", "wait"),
        Arguments.of("POST", "/v1/commands/not-a-uuid/cancel", null, 400, "INVALID_ARG", "id"),
        Arguments.of("POST", "/v1/commands/" + unknownId + "/cancel", null, 404, "INVALID_ARG", null),
        Arguments.of("POST", "/v1/commands/" + unknownId + "/cancel", "{\"why\":1}", 400, "INVALID_ARG", "why"),
        Arguments.of("GET", "/v1/hosts?all=1", null, 400, "INVALID_ARG", "all"),
        Arguments.of("GET", "/v1/domains/taken/console?tail=0", null, 400, "INVALID_ARG", "tail"),
        Arguments.of("GET", "/v1/domains/taken/console?tail=10001", null, 400, "INVALID_ARG", "tail"),
        Arguments.of("GET", "/v1/domains/taken/console?tail=ten", null, 400, "INVALID_ARG", "tail"),
        Arguments.of("GET", "/v1/domains/taken/console?tail=5&tail=6", null, 400, "INVALID_ARG", "tail"),
        Arguments.of("GET", "/v1/domains/taken/console?lines=5", null, 400, "INVALID_ARG", "lines"),
        Arguments.of("GET", "/v1/domains/ghost/console", null, 404, "NO_DOMAIN", null),
        Arguments.of("GET", "/v1/domains/ghost/console?tail=0", null, 400, "INVALID_ARG", "tail"),
        // Its host never sent a heartbeat: a read is not queued for a host that cannot answer.
        Arguments.of("GET", "/v1/domains/taken/console", null, 503, "HOST_UNAVAILABLE", null),
        Arguments.of("POST", "/v1/domains/taken/console", null, 405, "INVALID_ARG", null),
        Arguments.of("GET", "/v1/events?type=EXPLODED", null, 400, "INVALID_ARG", "type"),
        Arguments.of("GET", "/v1/events?lastEventId=garbage", null, 400, "INVALID_ARG", "lastEventId"),
        Arguments.of("GET", "/v1/events?host=bad!", null, 400, "INVALID_ARG", "host"),
        Arguments.of("GET", "/v1/events?color=red", null, 400, "INVALID_ARG", "color"),
        Arguments.of("GET", "/v1/nothing-here", null, 404, "INVALID_ARG", null),
        Arguments.of("PUT", "/v1/domains", "{}", 405, "INVALID_ARG", null));
  }

  private static String snapshot(String jsonName, String kind) {
    return "{\"name\":" + jsonName + ",\"kind\":" + kind + "}";
  }

  static Stream<Arguments> badSnapshotRequests() {
    String create = "/v1/domains/taken/snapshots";
    String revert = "/v1/domains/taken/snapshots/base/revert";
    String one = "/v1/domains/taken/snapshots/base";
    return Stream.of(
        Arguments.of("POST", create, "", 400, "INVALID_ARG", "body"),
        Arguments.of("POST", create, "{\"name\":", 400, "INVALID_ARG", "body"),
        Arguments.of("POST", create, "[]", 400, "INVALID_ARG", "body"),
        Arguments.of("POST", create, "{\"name\":\"a\",\"name\":\"b\",\"kind\":\"INTERNAL\"}", 400, "INVALID_ARG",
            "body"),
        Arguments.of("POST", create, "{\"kind\":\"INTERNAL\"}", 400, "INVALID_ARG", "name"),
        Arguments.of("POST", create, snapshot("7", "\"INTERNAL\""), 400, "INVALID_ARG", "name"),
        Arguments.of("POST", create, snapshot("\"\"", "\"INTERNAL\""), 400, "INVALID_ARG", "name"),
        Arguments.of("POST", create, snapshot("\"a/b\"", "\"INTERNAL\""), 400, "INVALID_ARG", "name"),
        Arguments.of("POST", create, snapshot("\"..\"", "\"INTERNAL\""), 400, "INVALID_ARG", "name"),
        Arguments.of("POST", create, snapshot("\".\"", "\"INTERNAL\""), 400, "INVALID_ARG", "name"),
        Arguments.of("POST", create, snapshot("\"-a\"", "\"INTERNAL\""), 400, "INVALID_ARG", "name"),
        Arguments.of("POST", create, snapshot("\"a b\"", "\"INTERNAL\""), 400, "INVALID_ARG", "name"),
        Arguments.of("POST", create, snapshot("\"" + "s".repeat(65) + "\"", "\"INTERNAL\""), 400, "INVALID_ARG",
            "name"),
        Arguments.of("POST", create, "{\"name\":\"a\"}", 400, "INVALID_ARG", "kind"),
        Arguments.of("POST", create, snapshot("\"a\"", "\"internal\""), 400, "INVALID_ARG", "kind"),
        Arguments.of("POST", create, snapshot("\"a\"", "\"DISK_ONLY\""), 400, "INVALID_ARG", "kind"),
        Arguments.of("POST", create, snapshot("\"a\"", "1"), 400, "INVALID_ARG", "kind"),
        Arguments.of("POST", create, "{\"name\":\"a\",\"kind\":\"INTERNAL\",\"description\":7}", 400, "INVALID_ARG",
            "description"),
        Arguments.of("POST", create, "{\"name\":\"a\",\"kind\":\"INTERNAL\",\"description\":\"" + "d".repeat(1025)
            + "\"}", 400, "INVALID_ARG", "description"),
        Arguments.of("POST", create, "{\"name\":\"a\",\"kind\":\"INTERNAL\",\"quiesce\":\"yes\"}", 400,
            "INVALID_ARG", "quiesce"),
        Arguments.of("POST", create, "{\"name\":\"a\",\"kind\":\"INTERNAL\",\"memory\":1}", 400, "INVALID_ARG",
            "memory"),
        Arguments.of("POST", create, "{\"name\":\"a\",\"kind\":\"INTERNAL\",\"diskOnly\":true}", 400, "INVALID_ARG",
            "diskOnly"),
        Arguments.of("POST", create + "?timeoutMs=0", snapshot("\"a\"", "\"INTERNAL\""), 400, "INVALID_ARG",
            "timeoutMs"),
        Arguments.of("POST", create, snapshot("\"base\"", "\"EXTERNAL\""), 409, "OPERATION_INVALID", null),
        Arguments.of("POST", "/v1/domains/ghost/snapshots", snapshot("\"a\"", "\"INTERNAL\""), 404, "NO_DOMAIN", null),
        Arguments.of("POST", "/v1/domains/ghost/snapshots", snapshot("\"a b\"", "\"INTERNAL\""), 400, "INVALID_ARG",
            "name"),
        Arguments.of("POST", revert, "{\"start\":\"STOPPED\"}", 400, "INVALID_ARG", "start"),
        Arguments.of("POST", revert, "{\"start\":\"running\"}", 400, "INVALID_ARG", "start"),
        Arguments.of("POST", revert, "{\"force\":\"yes\"}", 400, "INVALID_ARG", "force"),
        Arguments.of("POST", revert, "{\"paused\":true}", 400, "INVALID_ARG", "paused"),
        Arguments.of("POST", revert, "{", 400, "INVALID_ARG", "body"),
        Arguments.of("POST", revert + "?force=true", null, 400, "INVALID_ARG", "force"),
        Arguments.of("POST", "/v1/domains/taken/snapshots/nope/revert", null, 404, "NO_SNAPSHOT", null),
        Arguments.of("POST", "/v1/domains/ghost/snapshots/base/revert", null, 404, "NO_DOMAIN", null),
        Arguments.of("DELETE", one + "?children=true&childrenOnly=true", null, 400, "INVALID_ARG", "childrenOnly"),
        Arguments.of("DELETE", one + "?children&childrenOnly", null, 400, "INVALID_ARG", "childrenOnly"),
        Arguments.of("DELETE", one + "?children=maybe", null, 400, "INVALID_ARG", "children"),
        Arguments.of("DELETE", one + "?force=true", null, 400, "INVALID_ARG", "force"),
        Arguments.of("DELETE", one + "?metadataOnly=1&metadataOnly=0", null, 400, "INVALID_ARG", "metadataOnly"),
        Arguments.of("DELETE", "/v1/domains/taken/snapshots/nope", null, 404, "NO_SNAPSHOT", null),
        Arguments.of("DELETE", "/v1/domains/ghost/snapshots/base", null, 404, "NO_DOMAIN", null),
        Arguments.of("POST", "/v1/domains/taken/snapshots/reconcile", "{\"deep\":true}", 400, "INVALID_ARG", "deep"),
        Arguments.of("POST", "/v1/domains/taken/snapshots/reconcile?timeoutMs=soon", null, 400, "INVALID_ARG",
            "timeoutMs"),
        Arguments.of("POST", "/v1/domains/ghost/snapshots/reconcile", null, 404, "NO_DOMAIN", null),
        Arguments.of("GET", "/v1/domains/taken/snapshots/nope", null, 404, "NO_SNAPSHOT", null),
        Arguments.of("GET", "/v1/domains/ghost/snapshots", null, 404, "NO_DOMAIN", null),
        Arguments.of("GET", "/v1/domains/ghost/snapshots/base", null, 404, "NO_DOMAIN", null),
        Arguments.of("GET", "/v1/domains/taken/snapshots?all=1", null, 400, "INVALID_ARG", "all"),
        Arguments.of("GET", one + "?verbose=1", null, 400, "INVALID_ARG", "verbose"),
        Arguments.of("DELETE", "/v1/domains/taken", null, 409, "OPERATION_INVALID", null),
        Arguments.of("PUT", one, "{}", 405, "INVALID_ARG", null));
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("badSnapshotRequests")
  void badSnapshotRequestsAreProblems(String method, String path, String body, int status, String code, String field)
      throws Exception {
    otherBadRequestsAreProblems(method, path, body, status, code, field);
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("otherBadRequests")
  void otherBadRequestsAreProblems(String method, String path, String body, int status, String code, String field)
      throws Exception {
    RunningGateway.Answer a = switch (method) {
      case "POST" -> gw.post(path, body);
      case "DELETE" -> gw.delete(path);
      case "GET" -> gw.get(path);
      default -> send(method, path, body);
    };
    assertProblem(a, status, code);
    assertThat(a.json().getString("field")).as(a.toString()).isEqualTo(field);
  }

  private static RunningGateway.Answer send(String method, String path, String body) throws Exception {
    var r = gw.client().send(java.net.http.HttpRequest.newBuilder(gw.base.resolve(path))
        .header("Authorization", RunningGateway.bearer(TestKeys.ADMIN)).method(method, java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    return new RunningGateway.Answer(r.statusCode(), r);
  }

  @Test
  void aMalformedIdempotencyKeyIs400() {
    for (String key : List.of("k".repeat(256), "a b", "")) {
      RunningGateway.Answer a;
      try {
        a = gw.post("/v1/domains/taken/start", null, "Idempotency-Key", key);
      } catch (IllegalArgumentException e) {
        // java.net.http refuses to send some header values at all (and turns non-ASCII into '?').
        continue;
      }
      assertThat(a.status()).as("key [" + key + "] -> " + a).isEqualTo(400);
      assertProblem(a, 400, "INVALID_ARG");
      assertThat(a.json().getString("field")).isEqualTo("Idempotency-Key");
    }
  }

  @Test
  void aMalformedLastEventIdHeaderIs400() {
    RunningGateway.Answer a;
    try {
      var r = gw.client().send(java.net.http.HttpRequest.newBuilder(gw.base.resolve("/v1/events"))
          .header("Last-Event-ID", "p0-oX").header("Authorization", RunningGateway.bearer(TestKeys.ADMIN)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
      a = new RunningGateway.Answer(r.statusCode(), r);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    assertProblem(a, 400, "INVALID_ARG");
    assertThat(a.json().getString("field")).isEqualTo("Last-Event-ID");
  }

  private static void assertProblem(RunningGateway.Answer a, int status, String code) {
    assertThat(a.status()).as(a.toString()).isEqualTo(status);
    assertThat(a.contentType()).isEqualTo("application/problem+json");
    JsonObject p = a.json();
    assertThat(p.getString("code")).isEqualTo(code);
    assertThat(p.getInteger("status")).isEqualTo(status);
    assertThat(p.getString("type")).isEqualTo("urn:virtflow:error:" + code);
    assertThat(p.getString("title")).isNotBlank();
    assertThat(p.getString("detail")).isNotBlank();
  }
}
