package io.virtflow.gateway.domain;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The checks a define must pass before anything is published. Names follow libvirt-like rules
 * (1..64 of {@code [A-Za-z0-9._-]}, alphanumeric first, never {@code .} or {@code ..}, no {@code /} or
 * NUL) and must not read as a UUID; the numeric ranges bound what one host agent is ever asked for.
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

  private static final Pattern NAME_CHARS = Pattern.compile("[A-Za-z0-9._-]+");
  private static final Pattern TARGET = Pattern.compile("(vd|sd|hd)[a-z]");

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
    }
  }

  private static void range(String field, long value, long min, long max) {
    if (value < min || value > max) {
      throw Refusal.invalid(field, "must be between " + min + " and " + max + ", got " + value);
    }
  }
}
