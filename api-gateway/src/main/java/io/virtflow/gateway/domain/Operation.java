package io.virtflow.gateway.domain;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * What a command asks for. Lifecycle operations, ReadConsole and Cancel go to the domain's host agent; the
 * {@link SnapshotOperation}s go to the snapshot service. {@link #name()} is the operation's name on the
 * wire ({@code CommandStatus.operation}): the Avro payload record's name.
 */
public sealed interface Operation {

  String name();

  /** Whether a status's {@code operation} names a snapshot request (they cannot be cancelled, for one). */
  static boolean isSnapshotOperation(String name) {
    return SnapshotOperation.NAMES.contains(name);
  }

  /**
   * Whether a status's {@code operation} names a snapshot workflow that ends with a catalog event on
   * {@code snapshot.events} (create, revert, delete; a reconcile changes no catalog).
   */
  static boolean changesCatalog(String name) {
    return "CreateSnapshot".equals(name) || "RevertSnapshot".equals(name) || "DeleteSnapshot".equals(name);
  }

  /** A request for the snapshot service, on {@code snapshot.requests}. */
  sealed interface SnapshotOperation extends Operation {
    Set<String> NAMES = Set.of("CreateSnapshot", "RevertSnapshot", "DeleteSnapshot", "ReconcileSnapshots");
  }

  /** Takes a snapshot of every disk of a domain. */
  record CreateSnapshot(SnapshotSpec spec) implements SnapshotOperation {
    public CreateSnapshot {
      Objects.requireNonNull(spec);
    }

    @Override
    public String name() {
      return "CreateSnapshot";
    }
  }

  /** Brings a domain back to a snapshot; {@code start} says in which state it ends. */
  record RevertSnapshot(String snapshot, RevertStart start, boolean force) implements SnapshotOperation {
    public RevertSnapshot {
      Objects.requireNonNull(snapshot);
      Objects.requireNonNull(start);
    }

    @Override
    public String name() {
      return "RevertSnapshot";
    }
  }

  /**
   * Deletes a snapshot ({@code children}: with its descendants; {@code childrenOnly}: only its
   * descendants; {@code metadataOnly}: the catalog entry only, no file touched).
   */
  record DeleteSnapshot(String snapshot, boolean children, boolean childrenOnly, boolean metadataOnly)
      implements SnapshotOperation {
    public DeleteSnapshot {
      Objects.requireNonNull(snapshot);
    }

    @Override
    public String name() {
      return "DeleteSnapshot";
    }
  }

  /** Compares a domain's catalog with its real qcow2 chains; the drift report is the command's result. */
  record ReconcileSnapshots() implements SnapshotOperation {
    @Override
    public String name() {
      return "ReconcileSnapshots";
    }
  }

  /** Defines a new domain. */
  record Define(DefineSpec spec) implements Operation {
    public Define {
      Objects.requireNonNull(spec);
    }

    @Override
    public String name() {
      return "Define";
    }
  }

  /** Removes a domain; see DESIGN §6 for the flags. */
  record Undefine(boolean force, boolean snapshotsMetadata, boolean removeStorage) implements Operation {
    @Override
    public String name() {
      return "Undefine";
    }
  }

  /** Starts a domain, optionally paused. */
  record Start(boolean paused) implements Operation {
    @Override
    public String name() {
      return "Start";
    }
  }

  /** A lifecycle operation without parameters. */
  record Lifecycle(Kind kind) implements Operation {
    /** The parameterless lifecycle operations. */
    public enum Kind {
      SHUTDOWN, REBOOT, DESTROY, SUSPEND, RESUME;

      /** The operation as a path segment: {@code shutdown}, {@code reboot}, ... */
      public String action() {
        return name().toLowerCase(Locale.ROOT);
      }
    }

    public Lifecycle {
      Objects.requireNonNull(kind);
    }

    @Override
    public String name() {
      String a = kind.action();
      return Character.toUpperCase(a.charAt(0)) + a.substring(1);
    }
  }

  /**
   * Reads the last {@code tailLines} lines of the domain's serial console log: the text is the command's
   * result. It only reads: a viewer may send it, and nothing holds it back (no job, no BUSY).
   */
  record ReadConsole(int tailLines) implements Operation {
    public static final int TAIL_MIN = 1;
    public static final int TAIL_MAX = 10_000;
    public static final int TAIL_DEFAULT = 100;
    public static final String NAME = "ReadConsole";

    public ReadConsole {
      if (tailLines < TAIL_MIN || tailLines > TAIL_MAX) {
        throw new IllegalArgumentException("tailLines " + tailLines + " outside [" + TAIL_MIN + ", " + TAIL_MAX + "]");
      }
    }

    @Override
    public String name() {
      return NAME;
    }
  }

  /** Cancels a queued command; it ends CANCELLED if it had not started. */
  record Cancel(String targetCommandId) implements Operation {
    public Cancel {
      Objects.requireNonNull(targetCommandId);
    }

    @Override
    public String name() {
      return "Cancel";
    }
  }
}
