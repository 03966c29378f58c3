package io.virtflow.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtflow.platform.config.BusConfig;
import io.virtflow.platform.kafka.KafkaSettings;
import io.virtflow.platform.testing.KafkaFixture;
import io.virtflow.schema.Boot;
import io.virtflow.schema.Codecs;
import io.virtflow.schema.Command;
import io.virtflow.schema.CommandRequest;
import io.virtflow.schema.Define;
import io.virtflow.schema.Disk;
import io.virtflow.schema.DomainStateCode;
import io.virtflow.schema.NetInterface;

/**
 * Definitions of real guests (direct kernel boot, disks on base images, network interfaces, the opt-in
 * guest agent) through both doors, placement by the images each host's heartbeat lists, and how domains
 * and hosts show them. Host img-1 has the images and 8 GiB free; img-2 has 28 GiB free (memory alone would
 * choose it), one other image, and a hypervisor its agent cannot reach.
 */
class RealGuestDefineTest {
  private static final List<String> IMG1 = List.of("vmlinuz", "initrd.img", "base.qcow2", "alpine/3.20.qcow2");
  private static BusConfig bus;
  private static TestAgent img1;
  private static TestAgent img2;
  private static RunningGateway gw;
  private static Producer<String, byte[]> producer;

  @BeforeAll
  static void setUp() {
    bus = KafkaFixture.freshBus();
    img1 = TestAgent.start(bus, KafkaFixture.admin(), "img-1").capacity(16_384, 8_192)
        .images(IMG1.toArray(String[]::new))
        .driver(true, "connected to qemu:///system", Map.of("uri", "qemu:///system", "domainType", "kvm",
            "foreignDomains", "0", "imageDir", "/var/lib/virtflow/images"))
        .autoComplete(true).heartbeatEvery(Duration.ofMillis(500));
    img2 = TestAgent.start(bus, KafkaFixture.admin(), "img-2").capacity(32_768, 4_096).images("other.qcow2")
        .driver(false, "cannot connect to qemu:///system: libvirtd is not running", Map.of("uri", "qemu:///system"))
        .autoComplete(true).heartbeatEvery(Duration.ofMillis(500));
    producer = new KafkaProducer<>(KafkaSettings.producer(bus.bootstrap(), "real-guest-test", 10_000));
    gw = RunningGateway.start(bus);
    await().atMost(Duration.ofSeconds(10)).until(() -> hosts().size() == 2
        && hosts().stream().allMatch(h -> "UP".equals(h.getString("status"))));
  }

  @AfterAll
  static void tearDown() {
    gw.close();
    img1.close();
    img2.close();
    producer.close(Duration.ofSeconds(5));
  }

  private static List<JsonObject> hosts() {
    return gw.get("/v1/hosts").json().getJsonArray("hosts").stream().map(JsonObject.class::cast).toList();
  }

  private static JsonObject host(String id) {
    return hosts().stream().filter(h -> h.getString("hostId").equals(id)).findFirst().orElseThrow();
  }

  private static JsonObject accepted(RunningGateway.Answer a) {
    assertThat(a.status()).as(a.toString()).isEqualTo(202);
    return a.json();
  }

  private static long onHostTopic(String hostId) {
    return TopicProbe.count(bus.bootstrap(), bus.topics().hostCommands(hostId));
  }

  @Test
  void aRealGuestsDefinitionReachesItsHostAsTheAvroDefineAndItsStateShowsIt() {
    JsonObject a = accepted(gw.post("/v1/domains", """
        {"name": "guest-1", "vcpus": 2, "memoryMiB": 512, "guestAgent": false,
         "boot": {"kernel": "vmlinuz", "initrd": "initrd.img", "cmdline": "console=ttyS0 root=/dev/vda rw"},
         "disks": [{"target": "vda", "image": "base.qcow2"}, {"target": "vdb", "image": "alpine/3.20.qcow2",
                    "sizeGiB": 20}, {"target": "vdc", "sizeGiB": 4}],
         "interfaces": [{}, {"network": "default", "mac": "52:54:00:12:34:56"}, {"network": null}]}
        """));
    // Memory alone would have chosen img-2; only img-1 has the images.
    Command c = img1.awaitCommand(a.getString("commandId"));
    assertThat(c.getHostId()).isEqualTo("img-1");
    Define d = (Define) c.getPayload();
    assertThat(d.getGuestAgent()).isFalse();
    assertThat(d.getBoot()).isEqualTo(Boot.newBuilder().setKernel("vmlinuz").setInitrd("initrd.img")
        .setCmdline("console=ttyS0 root=/dev/vda rw").build());
    assertThat(d.getDisks()).extracting(Disk::getTarget, Disk::getSizeGiB, Disk::getImage, Disk::getFormat,
        Disk::getPath).containsExactly(
            org.assertj.core.groups.Tuple.tuple("vda", 1, "base.qcow2", "qcow2", null),
            org.assertj.core.groups.Tuple.tuple("vdb", 20, "alpine/3.20.qcow2", "qcow2", null),
            org.assertj.core.groups.Tuple.tuple("vdc", 4, null, "qcow2", null));
    assertThat(d.getInterfaces()).extracting(NetInterface::getNetwork, NetInterface::getMac).containsExactly(
        org.assertj.core.groups.Tuple.tuple(null, null),
        org.assertj.core.groups.Tuple.tuple("default", "52:54:00:12:34:56"),
        org.assertj.core.groups.Tuple.tuple(null, null));
    assertThat(img2.commands()).extracting(Command::getCommandId).doesNotContain(a.getString("commandId"));

    // The agent's state (boot, guest agent, interfaces with the MACs the host chose) is what GET shows.
    await().atMost(Duration.ofSeconds(10)).until(() -> !gw.get("/v1/domains/guest-1").json().getBoolean("pending"));
    JsonObject dom = gw.get("/v1/domains/guest-1").json();
    assertThat(dom.getJsonObject("boot")).isEqualTo(new JsonObject().put("kernel", "vmlinuz")
        .put("initrd", "initrd.img").put("cmdline", "console=ttyS0 root=/dev/vda rw"));
    assertThat(dom.getJsonArray("interfaces")).hasSize(3);
    JsonObject nic0 = dom.getJsonArray("interfaces").getJsonObject(0);
    assertThat(nic0.containsKey("network")).isTrue();
    assertThat(nic0.getString("network")).isNull();
    assertThat(nic0.getString("mac")).matches("52:54:00:[0-9a-f]{2}:42:00");
    assertThat(dom.getJsonArray("interfaces").getJsonObject(1))
        .isEqualTo(new JsonObject().put("network", "default").put("mac", "52:54:00:12:34:56"));
    assertThat(dom.getBoolean("guestAgent")).isFalse();
    assertThat(dom.containsKey("guestAgentConnected")).isTrue();
    assertThat(dom.getValue("guestAgentConnected")).isNull();
    // Every field that was there before is still there.
    assertThat(dom.fieldNames()).contains("domainId", "name", "host", "state", "reason", "vcpus", "memoryMiB", "disks",
        "snapshotCount", "version", "updatedAt", "pending", "project");
    JsonObject listed = gw.get("/v1/domains").json().getJsonArray("domains").stream().map(JsonObject.class::cast)
        .filter(x -> x.getString("name").equals("guest-1")).findFirst().orElseThrow();
    assertThat(listed.getJsonArray("interfaces")).isEqualTo(dom.getJsonArray("interfaces"));
    assertThat(listed.getJsonObject("boot")).isEqualTo(dom.getJsonObject("boot"));
  }

  @Test
  void theGuestAgentIsOptInAndCarriedAsAsked() {
    Command plain = img2.awaitCommand(accepted(gw.post("/v1/domains",
        "{\"name\":\"ga-default\",\"host\":\"img-2\",\"vcpus\":1,\"memoryMiB\":64}")).getString("commandId"));
    assertThat(((Define) plain.getPayload()).getGuestAgent()).isFalse();
    assertThat(((Define) plain.getPayload()).getBoot()).isNull();
    assertThat(((Define) plain.getPayload()).getInterfaces()).isEmpty();
    Command with = img2.awaitCommand(accepted(gw.post("/v1/domains",
        "{\"name\":\"ga-on\",\"host\":\"img-2\",\"vcpus\":1,\"memoryMiB\":64,\"guestAgent\":true}"))
        .getString("commandId"));
    assertThat(((Define) with.getPayload()).getGuestAgent()).isTrue();
  }

  @Test
  void aDomainsGuestAgentConnectionIsShownAsItsStateSaysIt() {
    String id = UUID.randomUUID().toString();
    img1.state(img1.stateOf(id, "ga-connected", DomainStateCode.RUNNING, 3, TestKeys.PROJECT).setGuestAgent(true)
        .setGuestAgentConnected(true).setBoot(Boot.newBuilder().setKernel("vmlinuz").build())
        .setInterfaces(List.of(NetInterface.newBuilder().setNetwork(null).setMac("52:54:00:aa:bb:cc").build()))
        .build());
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.get("/v1/domains/ga-connected").status() == 200);
    JsonObject dom = gw.get("/v1/domains/" + id).json();
    assertThat(dom.getBoolean("guestAgent")).isTrue();
    assertThat(dom.getBoolean("guestAgentConnected")).isTrue();
    assertThat(dom.getJsonObject("boot")).isEqualTo(new JsonObject().put("kernel", "vmlinuz").putNull("initrd")
        .putNull("cmdline"));
    assertThat(dom.getJsonArray("interfaces"))
        .isEqualTo(new JsonArray().add(new JsonObject().putNull("network").put("mac", "52:54:00:aa:bb:cc")));
  }

  @Test
  void aHostWithoutAnImageIsNeverChosenAndNamingItIsRefused() {
    // The only host with other.qcow2 gets it, whatever the memory says.
    Command onImg2 = img2.awaitCommand(accepted(gw.post("/v1/domains", "{\"name\":\"on-other\",\"vcpus\":1,"
        + "\"memoryMiB\":64,\"disks\":[{\"target\":\"vda\",\"image\":\"other.qcow2\"}]}")).getString("commandId"));
    assertThat(onImg2.getHostId()).isEqualTo("img-2");
    // img-1 has everything this one names; the admin names it.
    Command named = img1.awaitCommand(accepted(gw.post("/v1/domains", "{\"name\":\"named-ok\",\"host\":\"img-1\","
        + "\"vcpus\":1,\"memoryMiB\":64,\"boot\":{\"kernel\":\"vmlinuz\"}}")).getString("commandId"));
    assertThat(named.getHostId()).isEqualTo("img-1");

    long before1 = onHostTopic("img-1");
    long before2 = onHostTopic("img-2");
    RunningGateway.Answer lacking = gw.post("/v1/domains", "{\"name\":\"named-bad\",\"host\":\"img-2\",\"vcpus\":1,"
        + "\"memoryMiB\":64,\"boot\":{\"kernel\":\"vmlinuz\"},"
        + "\"disks\":[{\"target\":\"vda\",\"image\":\"other.qcow2\"},{\"target\":\"vdb\",\"image\":\"base.qcow2\"}]}");
    assertThat(lacking.status()).as(lacking.toString()).isEqualTo(400);
    assertThat(lacking.json().getString("code")).isEqualTo("INVALID_ARG");
    assertThat(lacking.json().getString("field")).isEqualTo("boot.kernel");
    assertThat(lacking.json().getString("detail")).contains("img-2", "'vmlinuz'", "disks[1].image 'base.qcow2'")
        .doesNotContain("other.qcow2");

    RunningGateway.Answer nowhere = gw.post("/v1/domains", "{\"name\":\"nowhere\",\"vcpus\":1,\"memoryMiB\":64,"
        + "\"disks\":[{\"target\":\"vda\",\"image\":\"windows.qcow2\"}]}");
    assertThat(nowhere.status()).as(nowhere.toString()).isEqualTo(503);
    assertThat(nowhere.contentType()).isEqualTo("application/problem+json");
    assertThat(nowhere.json().getString("code")).isEqualTo("HOST_UNAVAILABLE");
    assertThat(nowhere.json().getString("detail")).contains("windows.qcow2", "img-1 lacks windows.qcow2",
        "img-2 lacks windows.qcow2", "nothing was accepted");

    // Each image is somewhere, but no host has both.
    RunningGateway.Answer split = gw.post("/v1/domains", "{\"name\":\"split\",\"vcpus\":1,\"memoryMiB\":64,"
        + "\"boot\":{\"kernel\":\"vmlinuz\"},\"disks\":[{\"target\":\"vda\",\"image\":\"other.qcow2\"}]}");
    assertThat(split.status()).as(split.toString()).isEqualTo(503);
    assertThat(split.json().getString("detail")).contains("img-1 lacks other.qcow2", "img-2 lacks vmlinuz");

    assertThat(onHostTopic("img-1")).isEqualTo(before1);
    assertThat(onHostTopic("img-2")).isEqualTo(before2);
    assertThat(gw.get("/v1/domains/named-bad").status()).isEqualTo(404);
  }

  @Test
  void hostsShowTheirDriverAndImagesAndADisconnectedDriverStillGetsCommands() {
    JsonObject h1 = host("img-1");
    assertThat(h1.getBoolean("driverConnected")).isTrue();
    assertThat(h1.getString("driverMessage")).isEqualTo("connected to qemu:///system");
    assertThat(h1.getJsonObject("driverFacts")).isEqualTo(new JsonObject().put("domainType", "kvm")
        .put("foreignDomains", "0").put("imageDir", "/var/lib/virtflow/images").put("uri", "qemu:///system"));
    assertThat(h1.getJsonArray("images")).isEqualTo(new JsonArray(List.<Object>copyOf(IMG1)));
    // Every field that was there before is still there.
    assertThat(h1.fieldNames()).contains("hostId", "status", "capacity", "memoryMiBUsed", "memoryMiBFree",
        "memoryMiBReserved", "domainCount", "queuedCommands", "driver", "driverBreaker", "loopLagMs", "agentEpoch",
        "startedAt", "lastHeartbeat");

    JsonObject h2 = host("img-2");
    assertThat(h2.getString("status")).isEqualTo("UP");
    assertThat(h2.getBoolean("driverConnected")).isFalse();
    assertThat(h2.getString("driverMessage")).contains("libvirtd is not running");
    assertThat(h2.getJsonArray("images")).isEqualTo(new JsonArray().add("other.qcow2"));
    // Its agent answers DRIVER_ERROR at once; the gateway still sends it what it is asked to.
    Command c = img2.awaitCommand(accepted(gw.post("/v1/domains", "{\"name\":\"to-disconnected\",\"host\":\"img-2\","
        + "\"vcpus\":1,\"memoryMiB\":64}")).getString("commandId"));
    assertThat(c.getHostId()).isEqualTo("img-2");

    // An operator sees the hosts and their images, not what their drivers say (HOST_DETAILS is the admin's).
    RunningGateway.Answer asOperator = gw.get("/v1/hosts", "Authorization",
        RunningGateway.bearer(TestKeys.token("op", io.virtflow.gateway.domain.Role.OPERATOR, TestKeys.PROJECT)));
    assertThat(asOperator.status()).isEqualTo(200);
    JsonObject seen = asOperator.json().getJsonArray("hosts").stream().map(JsonObject.class::cast)
        .filter(h -> h.getString("hostId").equals("img-2")).findFirst().orElseThrow();
    assertThat(seen.getJsonArray("images")).isEqualTo(new JsonArray().add("other.qcow2"));
    assertThat(seen.getBoolean("driverConnected")).isFalse();
    assertThat(seen.containsKey("driverMessage")).isFalse();
    assertThat(seen.containsKey("driverFacts")).isFalse();
  }

  @Test
  void theKafkaDoorCarriesTheSameDefinitionAndRefusesTheSameBadNames() throws Exception {
    Define define = Define.newBuilder().setName("kafka-guest").setVcpus(1).setMemoryMiB(256).setGuestAgent(false)
        .setBoot(Boot.newBuilder().setKernel("vmlinuz").setCmdline("console=ttyS0").build())
        .setDisks(List.of(Disk.newBuilder().setTarget("vda").setSizeGiB(1).setImage("base.qcow2").build()))
        .setInterfaces(List.of(NetInterface.newBuilder().setNetwork("default").build())).build();
    CommandRequest ok = request(define);
    send("kafka-guest", ok);
    Define forwarded = (Define) img1.awaitCommand(ok.getCommandId()).getPayload();
    assertThat(forwarded.getGuestAgent()).isFalse();
    assertThat(forwarded.getBoot().getKernel()).isEqualTo("vmlinuz");
    assertThat(forwarded.getDisks().get(0).getImage()).isEqualTo("base.qcow2");
    assertThat(forwarded.getInterfaces()).extracting(NetInterface::getNetwork).containsExactly("default");

    Define escaping = Define.newBuilder(define).setName("kafka-escape")
        .setBoot(Boot.newBuilder().setKernel("../../etc/shadow").build()).build();
    CommandRequest bad = request(escaping);
    send("kafka-escape", bad);
    await().atMost(Duration.ofSeconds(15)).until(() -> gw.get("/v1/commands/" + bad.getCommandId()).status() == 200);
    JsonObject s = gw.get("/v1/commands/" + bad.getCommandId() + "?waitMs=5000").json();
    assertThat(s.getString("status")).isEqualTo("REJECTED");
    assertThat(s.getString("code")).isEqualTo("INVALID_ARG");
    assertThat(s.getString("message")).startsWith("boot.kernel: ").contains("'..'");
    assertThat(img1.commands()).extracting(Command::getCommandId).doesNotContain(bad.getCommandId());
  }

  private static CommandRequest request(Define define) {
    return CommandRequest.newBuilder().setCommandId(UUID.randomUUID().toString()).setDomain(null)
        .setIssuedAt(Instant.now()).setPayload(define).setToken(TestKeys.ADMIN).build();
  }

  private static void send(String key, CommandRequest r) throws Exception {
    producer.send(new ProducerRecord<>(bus.topics().commands(), key, Codecs.COMMAND_REQUEST.encode(r)))
        .get(10, TimeUnit.SECONDS);
  }
}
