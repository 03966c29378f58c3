package io.virtflow.agent.domain;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What define asks for: the persistent configuration of a new domain, and who asked.
 *
 * @param guestAgent whether the guest runs an agent that can freeze its filesystems (quiesce)
 * @param project the project (tenant) the domain belongs to, from {@code Command.project}; may be null
 * @param boot direct kernel boot, or null (the guest boots from its first disk)
 * @param interfaces network interfaces, in order
 */
public record DomainDefinition(String name, int vcpus, long memoryMiB, List<Disk> disks, boolean guestAgent,
    String principal, String project, Boot boot, List<NetInterface> interfaces) {
  /** libvirt accepts almost any name; ours also travel in URLs and logs, so keep them plain. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  /** Guest device names as libvirt's disk targets spell them: vda, sdb, hdc, xvdaa. */
  private static final Pattern TARGET = Pattern.compile("(vd|sd|hd|xvd)[a-z]{1,3}");
  public static final int MAX_VCPUS = 4096;
  public static final long MAX_MEMORY_MIB = 16L * 1024 * 1024;
  public static final int MAX_DISK_GIB = 65_536;

  public static final int MAX_INTERFACES = 16;

  public DomainDefinition {
    Objects.requireNonNull(name, "name");
    disks = List.copyOf(disks);
    interfaces = interfaces == null ? List.of() : List.copyOf(interfaces);
  }

  /** A definition without boot section or interfaces. */
  public DomainDefinition(String name, int vcpus, long memoryMiB, List<Disk> disks, boolean guestAgent,
      String principal, String project) {
    this(name, vcpus, memoryMiB, disks, guestAgent, principal, project, null, List.of());
  }

  /** A definition outside any project. */
  public DomainDefinition(String name, int vcpus, long memoryMiB, List<Disk> disks, boolean guestAgent,
      String principal) {
    this(name, vcpus, memoryMiB, disks, guestAgent, principal, null);
  }

  /** A definition whose guest has an agent (the contract's default). */
  public DomainDefinition(String name, int vcpus, long memoryMiB, List<Disk> disks, String principal) {
    this(name, vcpus, memoryMiB, disks, true, principal, null);
  }

  /** Everything wrong with this definition, each named; empty when it can be defined. */
  public List<String> problems() {
    List<String> problems = new ArrayList<>();
    if (!NAME.matcher(name).matches()) {
      problems.add("name '" + name + "' must be 1-64 letters, digits, '.', '_' or '-', "
          + "starting with a letter or digit");
    }
    if (vcpus < 1 || vcpus > MAX_VCPUS) {
      problems.add("vcpus=" + vcpus + " is outside [1, " + MAX_VCPUS + "]");
    }
    if (memoryMiB < 1 || memoryMiB > MAX_MEMORY_MIB) {
      problems.add("memoryMiB=" + memoryMiB + " is outside [1, " + MAX_MEMORY_MIB + "]");
    }
    Set<String> targets = new HashSet<>();
    for (Disk disk : disks) {
      if (!TARGET.matcher(disk.target()).matches()) {
        problems.add("disk target '" + disk.target() + "' is not a device name such as vda or sdb");
      } else if (!targets.add(disk.target())) {
        problems.add("disk target '" + disk.target() + "' is used twice");
      }
      if (disk.sizeGiB() < 1 || disk.sizeGiB() > MAX_DISK_GIB) {
        problems.add("disk " + disk.target() + ": sizeGiB=" + disk.sizeGiB() + " is outside [1, " + MAX_DISK_GIB + "]");
      }
      if (!Disk.QCOW2.equals(disk.format())) {
        problems.add("disk " + disk.target() + ": format '" + disk.format() + "' is not supported (only qcow2)");
      }
      if (disk.image() != null) {
        ImageNames.check("disk " + disk.target() + ": image", disk.image(), problems);
      }
    }
    if (boot != null) {
      problems.addAll(boot.problems());
    }
    if (interfaces.size() > MAX_INTERFACES) {
      problems.add(interfaces.size() + " interfaces: at most " + MAX_INTERFACES);
    }
    Set<String> macs = new HashSet<>();
    for (int i = 0; i < interfaces.size(); i++) {
      problems.addAll(interfaces.get(i).problems(i));
      if (interfaces.get(i).mac() != null && !macs.add(interfaces.get(i).mac())) {
        problems.add("interfaces[" + i + "].mac " + interfaces.get(i).mac() + " is used twice");
      }
    }
    return problems;
  }
}
