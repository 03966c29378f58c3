package io.virtflow.agent.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One step of a snapshot workflow, as the snapshot service plans it and the domain's host runs it (the
 * contract's {@code DiskStep}). Files are paths in the host's storage pool; which fields a kind uses is
 * {@link #problems()}'s business. Every kind is idempotent where it runs: the host checks whether it is
 * already done before acting.
 */
public record DiskStep(Kind kind, String target, String file, String source, String backing, String tag,
    boolean paused) {

  /** Internal snapshot names: anything printable, but not what qemu-img would take for an option or an id. */
  private static final Pattern TAG = Pattern.compile("[^\\p{Cntrl}]{1,255}");
  private static final Pattern DIGITS = Pattern.compile("[0-9]+");

  /** The contract's {@code DiskStepKind}, less its {@code UNKNOWN} (an agent older than its sender). */
  public enum Kind {
    /** {@code qemu-img snapshot -c tag file}. */
    CREATE_INTERNAL,
    /** {@code qemu-img snapshot -d tag file}. */
    DELETE_INTERNAL,
    /** {@code qemu-img snapshot -a tag file}. */
    APPLY_INTERNAL,
    /** {@code qemu-img create -f qcow2 -b backing -F qcow2 file}. */
    CREATE_OVERLAY,
    /** A byte copy of {@code source} to {@code file}. */
    COPY_FILE,
    /** Safe {@code qemu-img rebase -b backing file}; no backing makes the file stand alone. */
    REBASE,
    /** Removes a file nothing reads through. */
    DELETE_FILE,
    /** Points disk {@code target} of the domain at {@code file}. */
    SET_ACTIVE,
    /** Powers the domain off for a revert ({@code STOPPED/FROM_SNAPSHOT}). */
    STOP_DOMAIN,
    /** Starts the domain after a revert ({@code STARTED/FROM_SNAPSHOT}), paused if asked. */
    START_DOMAIN,
    /** Guest agent: flush and freeze the guest's filesystems. */
    FREEZE,
    /** Guest agent: thaw them. */
    THAW;

    /** Whether the step works on image files (and so needs a disk backend that has them). */
    public boolean touchesImages() {
      return switch (this) {
        case CREATE_INTERNAL, DELETE_INTERNAL, APPLY_INTERNAL, CREATE_OVERLAY, COPY_FILE, REBASE, DELETE_FILE,
            SET_ACTIVE -> true;
        case STOP_DOMAIN, START_DOMAIN, FREEZE, THAW -> false;
      };
    }

    /** Whether the step changes the domain itself (its version), not only files. */
    public boolean changesDomain() {
      return this == SET_ACTIVE || this == STOP_DOMAIN || this == START_DOMAIN || this == FREEZE || this == THAW;
    }
  }

  public DiskStep {
    Objects.requireNonNull(kind, "kind");
  }

  public static DiskStep of(Kind kind) {
    return new DiskStep(kind, null, null, null, null, null, false);
  }

  /** Everything missing or malformed in this step, each named; empty when it can run. */
  public List<String> problems() {
    List<String> problems = new ArrayList<>();
    switch (kind) {
      case CREATE_INTERNAL, DELETE_INTERNAL, APPLY_INTERNAL -> {
        require(problems, "file", file);
        require(problems, "tag", tag);
        if (tag != null) {
          if (!TAG.matcher(tag).matches()) {
            problems.add("tag '" + tag + "' must be 1-255 printable characters");
          } else if (tag.startsWith("-")) {
            problems.add("tag '" + tag + "' must not start with '-'");
          } else if (DIGITS.matcher(tag).matches()) {
            // qemu-img snapshot -a/-d find a snapshot by id or by name: "1" could hit another one's id.
            problems.add("tag '" + tag + "' is all digits, which qemu-img would take for a snapshot id");
          }
        }
      }
      case CREATE_OVERLAY -> {
        require(problems, "file", file);
        require(problems, "backing", backing);
      }
      case COPY_FILE -> {
        require(problems, "source", source);
        require(problems, "file", file);
      }
      case REBASE, DELETE_FILE -> require(problems, "file", file);
      case SET_ACTIVE -> {
        require(problems, "target", target);
        require(problems, "file", file);
      }
      case STOP_DOMAIN, START_DOMAIN, FREEZE, THAW -> {
        // no arguments
      }
      default -> throw new IllegalStateException("unknown step kind " + kind);
    }
    return problems;
  }

  private void require(List<String> problems, String field, String value) {
    if (value == null || value.isEmpty()) {
      problems.add(kind + " needs a " + field);
    }
  }

  /** How messages and logs name the step: {@code CREATE_INTERNAL 's1' in /pool/x.qcow2}. */
  @Override
  public String toString() {
    return switch (kind) {
      case CREATE_INTERNAL, DELETE_INTERNAL, APPLY_INTERNAL -> kind + " '" + tag + "' in " + file;
      case CREATE_OVERLAY -> kind + " " + file + " on " + backing;
      case COPY_FILE -> kind + " " + source + " to " + file;
      case REBASE -> kind + " " + file + " onto " + (backing == null ? "nothing" : backing);
      case DELETE_FILE -> kind + " " + file;
      case SET_ACTIVE -> kind + " " + target + " = " + file;
      case START_DOMAIN -> paused ? "START_DOMAIN(paused)" : "START_DOMAIN";
      default -> kind.name();
    };
  }
}
