package io.virtflow.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every released version of the contract (frozen under src/test/resources/compat/) stays compatible both
 * ways with the current schemas: new readers read old records, old readers read new records.
 */
class SchemaCompatibilityTest {
  private static final List<String> RELEASED = List.of("v1", "v2", "v3");
  private static final List<String> FILES = List.of(
      "common/DomainStateCode.avsc", "common/StateReason.avsc", "common/EventType.avsc", "common/EventDetail.avsc",
      "common/ErrorCode.avsc", "common/CommandStatusCode.avsc", "common/HostState.avsc", "common/Disk.avsc",
      "common/DiskStep.avsc", "common/Boot.avsc", "common/NetInterface.avsc", "SnapshotRequest.avsc",
      "Command.avsc", "CommandStatus.avsc", "DomainEvent.avsc", "DomainState.avsc", "HostStatus.avsc",
      "SnapshotEvent.avsc", "CommandRequest.avsc", "AuditRecord.avsc");

  static Stream<Arguments> pairs() {
    return RELEASED.stream().flatMap(version -> {
      Map<String, Schema> frozen = parse(version);
      // A message added after a version has nothing to be compatible with there.
      return SchemaSet.messages().values().stream().filter(current -> frozen.containsKey(current.getFullName()))
          .map(current -> Arguments.of(version, current.getFullName(), frozen.get(current.getFullName()), current));
    });
  }

  @org.junit.jupiter.api.Test
  void noReleasedMessageDisappears() {
    for (String version : RELEASED) {
      Map<String, Schema> frozen = parse(version);
      List<String> released = FILES.stream().filter(f -> !f.startsWith("common/"))
          .map(f -> "io.virtflow.schema." + f.substring(0, f.length() - ".avsc".length()))
          .filter(frozen::containsKey).toList();
      assertThat(released).as("messages of %s", version).isNotEmpty();
      assertThat(SchemaSet.messages().keySet()).as("messages of %s still in the contract", version)
          .containsAll(released);
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("pairs")
  void currentReadsOldAndOldReadsCurrent(String version, String name, Schema old, Schema current) {
    assertThat(old).as("%s is missing from compat/%s", name, version).isNotNull();
    var backward = SchemaCompatibility.checkReaderWriterCompatibility(current, old);
    assertThat(backward.getType()).as("current %s reading %s records: %s", name, version, backward.getDescription())
        .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    var forward = SchemaCompatibility.checkReaderWriterCompatibility(old, current);
    if (name.equals("io.virtflow.schema.Command")) {
      // A new kind of command (a payload branch) is the one change an old agent cannot read: it would not
      // know what to do with it anyway. Hence the upgrade order: agents first, then the gateway. Anything
      // else about a command must stay readable by old agents.
      assertThat(forward.getResult().getIncompatibilities())
          .as("%s agents reading current commands", version)
          .allSatisfy(i -> {
            assertThat(i.getType()).isEqualTo(SchemaCompatibility.SchemaIncompatibilityType.MISSING_UNION_BRANCH);
            assertThat(i.getLocation()).startsWith("/fields/9/type");
          });
      return;
    }
    assertThat(forward.getType()).as("%s readers of current %s records: %s", version, name, forward.getDescription())
        .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
  }

  private static Map<String, Schema> parse(String version) {
    Schema.Parser parser = new Schema.Parser();
    for (String file : FILES) {
      try (InputStream in = SchemaCompatibilityTest.class.getResourceAsStream("/compat/" + version + "/" + file)) {
        if (in != null) {
          parser.parse(in);
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    return parser.getTypes();
  }
}
