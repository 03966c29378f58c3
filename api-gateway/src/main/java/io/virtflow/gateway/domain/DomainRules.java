package io.virtflow.gateway.domain;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The checks a define must pass before anything is published. Names follow libvirt-like rules
 * (1..64 of {@code [A-Za-z0-9._-]}, alphanumeric first, never {@code .} or {@code ..}, no {@code /} or
 * NUL) and must not read as a UUID; the numeric ranges bound what one host agent is ever asked for.
 * Files of the host's image directory (boot kernel and initrd, disk base images) are relative plain
 * paths that cannot leave it ({@link #imageNameProblem}); network names follow the domain name rules;
 * MACs are unicast, lower-case, and unique within the definition. The host agent checks the same again.
 */
public final class DomainRules {
  public static final int NAME_MAX = 64;
  public static final long VCPUS_MIN = 1;
  public static final long VCPUS_MAX = 256;
  public static final long MEMORY_MIN_MIB = 16;
  public static final long MEMORY_MAX_MIB = 4_194_304;
  public static final int DISKS_MAX = 16;
  public static final long DISK_MIN_GIB = 1;
  public static final long DISK_MAX_GIB = 65_536;
  /** The {@code sizeGiB} of a disk on a base image when the request gives none (the overlay takes the image's size). */
  public static final long IMAGE_DISK_DEFAULT_GIB = 1;
  public static final int IMAGE_NAME_MAX = 512;
  public static final int CMDLINE_MAX = 2048;
  public static final int INTERFACES_MAX = 16;

  private static final Pattern NAME_CHARS = Pattern.compile("[A-Za-z0-9._-]+");
  private static final Pattern TARGET = Pattern.compile("(vd|sd|hd)[a-z]");
  private static final Pattern IMAGE_SEGMENT = Pattern.compile("[A-Za-z0-9_+][A-Za-z0-9._+-]{0,127}");
  private static final Pattern MAC = Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){5}");

  private DomainRules() {
  }

  /** Why a domain name is not acceptable, or empty when it is. */
  public static Optional<String> nameProblem(String name) {
    Optional<String> problem = libvirtNameProblem(name);
    if (problem.isPresent()) {
      return problem;
    }
    if (DomainRef.isUuid(name)) {
      return Optional.of("must not look like a UUID (it would be read as a domain id)");
    }
    return Optional.empty();
  }

  /** The character rules domain and snapshot names share. */
  static Optional<String> libvirtNameProblem(String name) {
    if (name == null || name.isEmpty()) {
      return Optional.of("must not be empty");
    }
    if (name.length() > NAME_MAX) {
      return Optional.of("must be at most " + NAME_MAX + " characters, got " + name.length());
    }
    if (name.indexOf('/') >= 0) {
      return Optional.of("must not contain '/'");
    }
    if (name.indexOf('\0') >= 0) {
      return Optional.of("must not contain NUL");
    }
    if (name.equals(".") || name.equals("..")) {
      return Optional.of("must not be '.' or '..'");
    }
    if (!NAME_CHARS.matcher(name).matches()) {
      return Optional.of("may only contain letters, digits, '.', '_' and '-'");
    }
    if (!Character.isLetterOrDigit(name.charAt(0))) {
      return Optional.of("must start with a letter or a digit");
    }
    return Optional.empty();
  }

  /** Throws the first problem of a define request, naming its field. */
  public static void checkDefine(DefineSpec spec) {
    nameProblem(spec.name()).ifPresent(p -> {
      throw Refusal.invalid("name", p);
    });
    range("vcpus", spec.vcpus(), VCPUS_MIN, VCPUS_MAX);
    range("memoryMiB", spec.memoryMiB(), MEMORY_MIN_MIB, MEMORY_MAX_MIB);
    if (spec.disks().size() > DISKS_MAX) {
      throw Refusal.invalid("disks", "at most " + DISKS_MAX + " disks, got " + spec.disks().size());
    }
    Set<String> targets = new HashSet<>();
    for (int i = 0; i < spec.disks().size(); i++) {
      DiskSpec disk = spec.disks().get(i);
      String field = "disks[" + i + "]";
      if (disk.target() == null || !TARGET.matcher(disk.target()).matches()) {
        throw Refusal.invalid(field + ".target", "must be vd, sd or hd followed by one letter a-z, got '"
            + disk.target() + "'");
      }
      if (!targets.add(disk.target())) {
        throw Refusal.invalid(field + ".target", "'" + disk.target() + "' is used by another disk");
      }
      range(field + ".sizeGiB", disk.sizeGiB(), DISK_MIN_GIB, DISK_MAX_GIB);
      if (disk.image() != null) {
        image(field + ".image", disk.image());
      }
    }
    if (spec.boot() != null) {
      checkBoot(spec.boot());
    }
    checkInterfaces(spec.interfaces());
  }

  private static void checkBoot(BootSpec boot) {
    image("boot.kernel", boot.kernel());
    if (boot.initrd() != null) {
      image("boot.initrd", boot.initrd());
    }
    String cmdline = boot.cmdline();
    if (cmdline != null) {
      if (cmdline.length() > CMDLINE_MAX) {
        throw Refusal.invalid("boot.cmdline", "must be at most " + CMDLINE_MAX + " characters, got "
            + cmdline.length());
      }
      if (cmdline.chars().anyMatch(Character::isISOControl)) {
        throw Refusal.invalid("boot.cmdline", "must be printable characters only (no control characters such as "
            + "a newline)");
      }
    }
  }

  private static void checkInterfaces(List<InterfaceSpec> interfaces) {
    if (interfaces.size() > INTERFACES_MAX) {
      throw Refusal.invalid("interfaces", "at most " + INTERFACES_MAX + " interfaces, got " + interfaces.size());
    }
    Set<String> macs = new HashSet<>();
    for (int i = 0; i < interfaces.size(); i++) {
      InterfaceSpec nic = interfaces.get(i);
      String field = "interfaces[" + i + "]";
      if (nic.network() != null) {
        libvirtNameProblem(nic.network()).ifPresent(p -> {
          throw Refusal.invalid(field + ".network", "must be the name of a libvirt network of the host: " + p);
        });
      }
      if (nic.mac() != null) {
        macProblem(nic.mac()).ifPresent(p -> {
          throw Refusal.invalid(field + ".mac", p);
        });
        if (!macs.add(nic.mac())) {
          throw Refusal.invalid(field + ".mac", "'" + nic.mac() + "' is used by another interface");
        }
      }
    }
  }

  /**
   * Why a name of a file in the host's image directory is not acceptable, or empty when it is: a relative
   * path of at most {@value #IMAGE_NAME_MAX} characters whose every segment is 1..128 of
   * {@code [A-Za-z0-9._+-]}, not starting with {@code .} or {@code -} (so never {@code ..}, never hidden), with
   * no leading {@code /} and no empty segment. Such a name cannot leave the directory.
   */
  public static Optional<String> imageNameProblem(String name) {
    if (name == null || name.isEmpty()) {
      return Optional.of("must not be empty: name a file in the host's image directory");
    }
    if (name.length() > IMAGE_NAME_MAX) {
      return Optional.of("must be at most " + IMAGE_NAME_MAX + " characters, got " + name.length());
    }
    if (name.startsWith("/")) {
      return Optional.of("must be relative to the host's image directory (no leading '/'), got '" + name + "'");
    }
    for (String segment : name.split("/", -1)) {
      if (segment.isEmpty()) {
        return Optional.of("must not have an empty path segment ('//' or a trailing '/'), got '" + name + "'");
      }
      if (segment.equals("..") || segment.equals(".")) {
        return Optional.of("must not contain '" + segment + "' (it must stay inside the host's image directory), got '"
            + name + "'");
      }
      if (!IMAGE_SEGMENT.matcher(segment).matches()) {
        return Optional.of("each path segment must be 1 to 128 of letters, digits, '.', '_', '+' and '-', not "
            + "starting with '.' or '-'; got '" + name + "'");
      }
    }
    return Optional.empty();
  }

  /** Why a MAC address is not acceptable (it must be {@code xx:xx:xx:xx:xx:xx}, lower-case hex, unicast). */
  public static Optional<String> macProblem(String mac) {
    if (!MAC.matcher(mac).matches()) {
      return Optional.of("must be six lower-case hex octets separated by ':' such as 52:54:00:12:34:56, got '"
          + mac + "'");
    }
    if ((Integer.parseInt(mac.substring(0, 2), 16) & 1) == 1) {
      return Optional.of("'" + mac + "' is a multicast address (the lowest bit of its first octet is set); an "
          + "interface needs a unicast one");
    }
    return Optional.empty();
  }

  private static void image(String field, String name) {
    imageNameProblem(name).ifPresent(p -> {
      throw Refusal.invalid(field, p);
    });
  }

  private static void range(String field, long value, long min, long max) {
    if (value < min || value > max) {
      throw Refusal.invalid(field, "must be between " + min + " and " + max + ", got " + value);
    }
  }
}
