package io.virtflow.devstack.cli;

/**
 * The exit status of every {@code virtflow} verb: one per class of error, so that a script can tell "no
 * such domain" from "the gateway is down" without reading the message. The README's "Command line" table
 * lists them; {@code 2} is also picocli's status for a command line it cannot parse.
 */
public enum ExitCode {
  OK(0, "success"),
  FAILURE(1, "any other failure: INTERNAL, a command that ended CANCELLED, an answer the CLI cannot read"),
  BAD_INPUT(2, "bad input: INVALID_ARG, HTTP 400/413/422, or options the CLI itself refuses"),
  NOT_FOUND(3, "not found: NO_DOMAIN, NO_SNAPSHOT, NO_HOST, HTTP 404"),
  REFUSED(4, "refused by the state: OPERATION_INVALID, BUSY, another HTTP 409"),
  UNSAFE(5, "unsafe or unsupported: SNAPSHOT_UNSAFE, OPERATION_UNSUPPORTED"),
  UNAVAILABLE(6, "unavailable: HOST_UNAVAILABLE, TIMEOUT, DRIVER_ERROR, RATE_LIMITED, a command TIMED_OUT, "
      + "HTTP 429/5xx, no connection to the gateway"),
  AUTH(7, "authentication or authorization: AUTH_FAILED, ACCESS_DENIED, HTTP 401/403, no readable token file");

  private final int code;
  private final String meaning;

  ExitCode(int code, String meaning) {
    this.code = code;
    this.meaning = meaning;
  }

  public int code() {
    return code;
  }

  public String meaning() {
    return meaning;
  }

  /**
   * The class of a failure code of DESIGN §4, or of the HTTP status when the code is unknown or absent. A
   * 404 is always "not found" and a 401/403 always "auth", whatever the code (an unknown command id is a
   * 404 whose code is INVALID_ARG).
   */
  static ExitCode of(String failureCode, int httpStatus) {
    if (httpStatus == 404 || httpStatus == 401 || httpStatus == 403) {
      return ofHttpStatus(httpStatus);
    }
    if (failureCode != null) {
      switch (failureCode) {
        case "INVALID_ARG":
          return BAD_INPUT;
        case "NO_DOMAIN", "NO_SNAPSHOT", "NO_HOST":
          return NOT_FOUND;
        case "OPERATION_INVALID", "BUSY":
          return REFUSED;
        case "SNAPSHOT_UNSAFE", "OPERATION_UNSUPPORTED":
          return UNSAFE;
        case "HOST_UNAVAILABLE", "TIMEOUT", "DRIVER_ERROR", "RATE_LIMITED":
          return UNAVAILABLE;
        case "AUTH_FAILED", "ACCESS_DENIED":
          return AUTH;
        case "INTERNAL":
          return FAILURE;
        default:
          break;
      }
    }
    return ofHttpStatus(httpStatus);
  }

  static ExitCode ofHttpStatus(int status) {
    return switch (status) {
      case 400, 413, 422 -> BAD_INPUT;
      case 401, 403 -> AUTH;
      case 404 -> NOT_FOUND;
      case 409 -> REFUSED;
      case 429, 502, 503, 504 -> UNAVAILABLE;
      default -> status >= 200 && status < 300 ? OK : FAILURE;
    };
  }
}
