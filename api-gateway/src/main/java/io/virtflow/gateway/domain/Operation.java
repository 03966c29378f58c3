package io.virtflow.gateway.domain;

import java.util.Locale;
import java.util.Objects;

/**
 * What a command asks a host agent to do. {@link #name()} is the operation's name on the wire
 * ({@code CommandStatus.operation}): the Avro payload record's name.
 */
public sealed interface Operation {

  String name();

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
