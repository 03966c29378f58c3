package io.virtflow.snapshot.domain;

/**
 * One disk or domain step of a snapshot workflow, carried out by the domain's host agent. Every step is
 * idempotent where it runs: the agent checks whether it is already done before acting, so a restarted
 * workflow replays its steps safely.
 */
public sealed interface Step {

  /** A file this step creates, or null. */
  default String creates() {
    return null;
  }

  /** A file whose content or metadata this step changes, or null. */
  default String changes() {
    return null;
  }

  /** A file this step deletes, or null. */
  default String deletes() {
    return null;
  }

  /**
   * Whether this step only prepares: it leaves every file and the definition the domain uses as they
   * were, so a revert that failed after only such steps is undone safely.
   */
  default boolean preparesOnly() {
    return false;
  }

  /** {@code qemu-img snapshot -c tag file}. */
  record CreateInternal(String target, String file, String tag) implements Step {
    @Override
    public boolean preparesOnly() {
      return true;
    }

    @Override
    public String changes() {
      return file;
    }
  }

  /** {@code qemu-img snapshot -d tag file}. */
  record DeleteInternal(String target, String file, String tag) implements Step {
    @Override
    public String changes() {
      return file;
    }
  }

  /** {@code qemu-img snapshot -a tag file}: only ever on a file no other snapshot needs as it is. */
  record ApplyInternal(String target, String file, String tag) implements Step {
    @Override
    public String changes() {
      return file;
    }
  }

  /** {@code qemu-img create -f qcow2 -b backing -F qcow2 file}. */
  record CreateOverlay(String target, String file, String backing) implements Step {
    @Override
    public boolean preparesOnly() {
      return true;
    }

    @Override
    public String creates() {
      return file;
    }
  }

  /** A byte copy of a qcow2 file (its backing reference and internal snapshots come along). */
  record CopyFile(String target, String source, String file) implements Step {
    @Override
    public boolean preparesOnly() {
      return true;
    }

    @Override
    public String creates() {
      return file;
    }
  }

  /**
   * {@code qemu-img rebase -b backing file} (safe mode: the file's visible content stays the same at
   * every moment; null backing makes it stand alone).
   */
  record Rebase(String target, String file, String backing) implements Step {
    @Override
    public String changes() {
      return file;
    }
  }

  /** Removes a file nothing needs any more. */
  record DeleteFile(String target, String file) implements Step {
    @Override
    public String deletes() {
      return file;
    }
  }

  /** Points the domain's disk at another file (the domain definition changes, not a file). */
  record SetActive(String target, String file) implements Step {
  }

  /** Powers the domain off for a revert: {@code STOPPED/FROM_SNAPSHOT}. */
  record StopDomain() implements Step {
  }

  /** Starts the domain after a revert: {@code STARTED/FROM_SNAPSHOT}, paused if asked. */
  record StartDomain(boolean paused) implements Step {
  }

  /** Guest agent: flush and freeze filesystems. */
  record Freeze() implements Step {
    @Override
    public boolean preparesOnly() {
      return true;
    }
  }

  /** Guest agent: thaw filesystems. */
  record Thaw() implements Step {
    @Override
    public boolean preparesOnly() {
      return true;
    }
  }
}
