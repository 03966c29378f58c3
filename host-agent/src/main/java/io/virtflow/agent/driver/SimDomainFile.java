package io.virtflow.agent.driver;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.virtflow.agent.domain.Boot;
import io.virtflow.agent.domain.Disk;
import io.virtflow.agent.domain.NetInterface;
import io.virtflow.agent.domain.Domain;
import io.virtflow.agent.domain.Reason;
import io.virtflow.agent.domain.State;

/** The sim driver's file per domain: JSON, field names spelled out, times in epoch milliseconds. */
final class SimDomainFile {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int FORMAT = 1;

  private SimDomainFile() {
  }

  static byte[] encode(Domain d) {
    ObjectNode n = JSON.createObjectNode();
    n.put("format", FORMAT);
    n.put("id", d.id()).put("name", d.name()).put("state", d.state().name()).put("reason", d.reason().name());
    n.put("vcpus", d.vcpus()).put("memoryMiB", d.memoryMiB());
    ArrayNode disks = n.putArray("disks");
    for (Disk disk : d.disks()) {
      disks.addObject().put("target", disk.target()).put("sizeGiB", disk.sizeGiB()).put("format", disk.format())
          .put("path", disk.path()).put("image", disk.image());
    }
    if (d.boot() != null) {
      n.putObject("boot").put("kernel", d.boot().kernel()).put("initrd", d.boot().initrd())
          .put("cmdline", d.boot().cmdline());
    }
    ArrayNode nics = n.putArray("interfaces");
    for (NetInterface nic : d.interfaces()) {
      nics.addObject().put("network", nic.network()).put("mac", nic.mac());
    }
    n.put("guestAgent", d.guestAgent()).put("frozen", d.frozen());
    n.put("version", d.version()).put("principal", d.principal()).put("updatedAt", d.updatedAt().toEpochMilli());
    n.put("project", d.project());
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode domain " + d.id(), e);
    }
  }

  private static String text(JsonNode n, String field) {
    return n.hasNonNull(field) ? n.get(field).asText() : null;
  }

  static Domain decode(byte[] bytes) throws IOException {
    JsonNode n = JSON.readTree(bytes);
    if (n.path("format").asInt() != FORMAT) {
      throw new IOException("unknown domain file format " + n.path("format"));
    }
    List<Disk> disks = new ArrayList<>();
    for (JsonNode disk : n.path("disks")) {
      disks.add(new Disk(disk.path("target").asText(), disk.path("sizeGiB").asInt(), disk.path("format").asText(),
          text(disk, "path"), text(disk, "image")));
    }
    JsonNode b = n.path("boot");
    Boot boot = b.isObject() ? new Boot(text(b, "kernel"), text(b, "initrd"), text(b, "cmdline")) : null;
    List<NetInterface> nics = new ArrayList<>();
    for (JsonNode nic : n.path("interfaces")) {
      nics.add(new NetInterface(text(nic, "network"), text(nic, "mac")));
    }
    try {
      return new Domain(n.path("id").asText(), n.path("name").asText(), State.valueOf(n.path("state").asText()),
          Reason.valueOf(n.path("reason").asText()), n.path("vcpus").asInt(), n.path("memoryMiB").asLong(), disks,
          n.path("guestAgent").asBoolean(true), n.path("frozen").asBoolean(false), n.path("version").asLong(),
          n.hasNonNull("principal") ? n.get("principal").asText() : null,
          Instant.ofEpochMilli(n.path("updatedAt").asLong()),
          n.hasNonNull("project") ? n.get("project").asText() : null, boot, nics, null);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IOException("invalid domain file: " + e.getMessage(), e);
    }
  }
}
