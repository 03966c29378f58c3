package io.virtflow.schema;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.avro.Schema;

/**
 * The contract as text: every .avsc file, by full name, as packaged in this jar. The gateway serves
 * it at {@code GET /v1/schemas} for consumers written in other languages.
 */
public final class SchemaSet {
  private static final List<String> FILES = List.of(
      "common/DomainStateCode.avsc", "common/StateReason.avsc", "common/EventType.avsc",
      "common/EventDetail.avsc", "common/ErrorCode.avsc", "common/CommandStatusCode.avsc",
      "common/HostState.avsc", "common/Disk.avsc", "common/DiskStep.avsc", "common/Boot.avsc", "common/NetInterface.avsc",
      "Command.avsc", "CommandStatus.avsc", "DomainEvent.avsc", "DomainState.avsc", "HostStatus.avsc",
      "SnapshotRequest.avsc", "SnapshotEvent.avsc", "CommandRequest.avsc", "AuditRecord.avsc");

  private SchemaSet() {
  }

  /** File name (relative to the schema root) to its text, in dependency order. */
  public static Map<String, String> files() {
    Map<String, String> out = new LinkedHashMap<>();
    for (String file : FILES) {
      out.put(file, read("virtflow/avro/" + file));
    }
    return out;
  }

  /** The top-level message schemas by full name, with their single-object fingerprints. */
  public static Map<String, Schema> messages() {
    Map<String, Schema> out = new LinkedHashMap<>();
    for (Schema s : List.of(Command.getClassSchema(), CommandStatus.getClassSchema(), DomainEvent.getClassSchema(),
        DomainState.getClassSchema(), HostStatus.getClassSchema(), SnapshotRequest.getClassSchema(),
        SnapshotEvent.getClassSchema(), CommandRequest.getClassSchema(), AuditRecord.getClassSchema())) {
      out.put(s.getFullName(), s);
    }
    return out;
  }

  private static String read(String resource) {
    try (InputStream in = SchemaSet.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("schema resource missing from the jar: " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
