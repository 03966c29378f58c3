package io.virtflow.client;

/** The gateway answered something that is neither an accepted command nor a refusal (problem+json). */
public final class VirtflowClientException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int httpStatus;

  public VirtflowClientException(String message, int httpStatus) {
    super(message);
    this.httpStatus = httpStatus;
  }

  /** The HTTP status of the answer. */
  public int httpStatus() {
    return httpStatus;
  }
}
