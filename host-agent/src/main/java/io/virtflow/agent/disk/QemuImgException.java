package io.virtflow.agent.disk;

/**
 * A {@code qemu-img} call that did not succeed: it exited non-zero (the message then carries its stderr
 * verbatim), could not be run, or ran past its timeout and was killed.
 */
public final class QemuImgException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final boolean timedOut;

  QemuImgException(String message, boolean timedOut, Throwable cause) {
    super(message, cause);
    this.timedOut = timedOut;
  }

  public boolean timedOut() {
    return timedOut;
  }
}
