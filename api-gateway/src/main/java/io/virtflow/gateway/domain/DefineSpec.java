package io.virtflow.gateway.domain;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A define request as the client wrote it. Numbers are kept wide so that {@link DomainRules} can say
 * "out of range" instead of the parser saying "overflow".
 *
 * @param host the host asked for, or null to let the gateway place the domain
 * @param boot direct kernel boot, or null to boot the first disk
 * @param interfaces the network interfaces, in guest order (none: no network)
 * @param guestAgent whether the domain gets a guest agent channel (opt-in; quiesce needs it)
 */
public record DefineSpec(String name, String host, long vcpus, long memoryMiB, List<DiskSpec> disks, BootSpec boot,
    List<InterfaceSpec> interfaces, boolean guestAgent) {
  public DefineSpec {
    disks = List.copyOf(disks);
    interfaces = List.copyOf(interfaces);
  }

  /** A definition with blank disks only, no boot, no interface, no guest agent. */
  public DefineSpec(String name, String host, long vcpus, long memoryMiB, List<DiskSpec> disks) {
    this(name, host, vcpus, memoryMiB, disks, null, List.of(), false);
  }

  /**
   * Every file of the host's image directory the definition names, by the field that names it
   * ({@code boot.kernel}, {@code boot.initrd}, {@code disks[1].image}), in request order. Placement needs
   * a host whose heartbeat lists all of them.
   */
  public Map<String, String> imagesByField() {
    Map<String, String> out = new LinkedHashMap<>();
    if (boot != null) {
      out.put("boot.kernel", boot.kernel());
      if (boot.initrd() != null) {
        out.put("boot.initrd", boot.initrd());
      }
    }
    for (int i = 0; i < disks.size(); i++) {
      if (disks.get(i).image() != null) {
        out.put("disks[" + i + "].image", disks.get(i).image());
      }
    }
    return out;
  }
}
