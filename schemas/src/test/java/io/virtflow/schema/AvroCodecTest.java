package io.virtflow.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

class AvroCodecTest {

  @Test
  void everyMessageTypeRoundTrips() {
    assertThat(Codecs.COMMAND.decode(Codecs.COMMAND.encode(Fixtures.defineCommand()))).isEqualTo(Fixtures.defineCommand());
    assertThat(Codecs.COMMAND.decode(Codecs.COMMAND.encode(Fixtures.cancelCommand()))).isEqualTo(Fixtures.cancelCommand());
    assertThat(Codecs.COMMAND_STATUS.decode(Codecs.COMMAND_STATUS.encode(Fixtures.rejected()))).isEqualTo(Fixtures.rejected());
    assertThat(Codecs.DOMAIN_EVENT.decode(Codecs.DOMAIN_EVENT.encode(Fixtures.started()))).isEqualTo(Fixtures.started());
    assertThat(Codecs.DOMAIN_STATE.decode(Codecs.DOMAIN_STATE.encode(Fixtures.running()))).isEqualTo(Fixtures.running());
    assertThat(Codecs.HOST_STATUS.decode(Codecs.HOST_STATUS.encode(Fixtures.heartbeat()))).isEqualTo(Fixtures.heartbeat());
  }

  @Test
  void recordsUseSingleObjectEncoding() {
    byte[] bytes = Codecs.DOMAIN_EVENT.encode(Fixtures.started());
    assertThat(bytes[0]).isEqualTo((byte) 0xC3);
    assertThat(bytes[1]).isEqualTo((byte) 0x01);
    long fingerprint = SchemaNormalization.parsingFingerprint64(DomainEvent.getClassSchema());
    long written = 0;
    for (int i = 9; i >= 2; i--) {
      written = (written << 8) | (bytes[i] & 0xFF); // little-endian
    }
    assertThat(written).isEqualTo(fingerprint);
  }

  @Test
  void aRecordOfAnotherTypeIsRefusedWithItsReason() {
    byte[] heartbeat = Codecs.HOST_STATUS.encode(Fixtures.heartbeat());
    assertThatThrownBy(() -> Codecs.COMMAND.decode(heartbeat))
        .isInstanceOf(AvroCodec.UndecodableException.class).hasMessageContaining("unknown writer schema");
  }

  @Test
  void garbageAndNullAreRefusedWithAReason() {
    assertThatThrownBy(() -> Codecs.COMMAND.decode("hello".getBytes()))
        .isInstanceOf(AvroCodec.UndecodableException.class).hasMessageContaining("single-object");
    assertThatThrownBy(() -> Codecs.COMMAND.decode(null))
        .isInstanceOf(AvroCodec.UndecodableException.class).hasMessageContaining("null");
    byte[] truncated = Arrays.copyOf(Codecs.COMMAND.encode(Fixtures.defineCommand()), 14);
    assertThatThrownBy(() -> Codecs.COMMAND.decode(truncated)).isInstanceOf(AvroCodec.UndecodableException.class);
  }

  @Property(tries = 500)
  void randomBytesNeverEscapeAsAnythingButUndecodable(@ForAll byte[] bytes) {
    try {
      Codecs.COMMAND.decode(bytes);
    } catch (AvroCodec.UndecodableException expected) {
      // the only acceptable failure
    }
  }

  @Test
  void anOlderWriterSchemaIsResolvedToTheCurrentReader() {
    // A HostStatus as an older agent wrote it: before queuedCommands and heartbeatIntervalMs existed.
    Schema old = new Schema.Parser().parse("""
        {"type":"record","name":"HostStatus","namespace":"io.virtflow.schema","fields":[
          {"name":"hostId","type":"string"},
          {"name":"state","type":{"type":"enum","name":"HostState","symbols":["UP","DOWN"],"default":"DOWN"}},
          {"name":"agentEpoch","type":"long"},
          {"name":"driver","type":"string"},
          {"name":"heartbeatAt","type":{"type":"long","logicalType":"timestamp-millis"}},
          {"name":"startedAt","type":{"type":"long","logicalType":"timestamp-millis"}},
          {"name":"vcpus","type":"int"},
          {"name":"memoryMiB","type":"long"},
          {"name":"memoryMiBUsed","type":"long"},
          {"name":"domainCount","type":"int"}]}""");
    GenericRecord r = new GenericData.Record(old);
    r.put("hostId", "h-old");
    r.put("state", new GenericData.EnumSymbol(old.getField("state").schema(), "UP"));
    r.put("agentEpoch", 1L);
    r.put("driver", "sim");
    r.put("heartbeatAt", 1000L);
    r.put("startedAt", 500L);
    r.put("vcpus", 8);
    r.put("memoryMiB", 1024L);
    r.put("memoryMiBUsed", 0L);
    r.put("domainCount", 0);
    byte[] bytes = toBytes(new BinaryMessageEncoder<GenericRecord>(GenericData.get(), old), r);

    AvroCodec<HostStatus> codec = AvroCodec.of(HostStatus.class);
    assertThatThrownBy(() -> codec.decode(bytes)).isInstanceOf(AvroCodec.UndecodableException.class);
    HostStatus decoded = codec.withWriterSchema(old).decode(bytes);
    assertThat(decoded.getHostId()).isEqualTo("h-old");
    assertThat(decoded.getQueuedCommands()).isZero();
    assertThat(decoded.getHeartbeatIntervalMs()).isEqualTo(3000L);
  }

  private static byte[] toBytes(BinaryMessageEncoder<GenericRecord> encoder, GenericRecord r) {
    try {
      var buf = encoder.encode(r);
      byte[] out = new byte[buf.remaining()];
      buf.get(out);
      return out;
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void topicNamesFollowTheDesignAndRefuseBadHostIds() {
    Topics t = Topics.production();
    assertThat(t.hostCommands("h1")).isEqualTo("virtflow.host.h1.commands");
    assertThat(t.vmState()).isEqualTo("virtflow.vm.state");
    assertThat(t.shared()).hasSize(9).allMatch(n -> n.startsWith("virtflow."));
    assertThatThrownBy(() -> t.hostCommands("../x")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> t.hostCommands("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Topics("a b")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theSchemaSetShipsEveryFileAndParses() {
    var files = SchemaSet.files();
    assertThat(files).containsKeys("Command.avsc", "common/Disk.avsc");
    Schema.Parser parser = new Schema.Parser();
    files.values().forEach(parser::parse);
    assertThat(parser.getTypes()).containsKeys("io.virtflow.schema.Command", "io.virtflow.schema.HostStatus");
    assertThat(SchemaSet.messages()).hasSize(9);
  }
}
