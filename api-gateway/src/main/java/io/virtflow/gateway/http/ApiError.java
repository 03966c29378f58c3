package io.virtflow.gateway.http;

import io.virtflow.gateway.domain.FailureCode;

/** An HTTP-level refusal with its own status (a bad query parameter, an unknown route, ...). */
final class ApiError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final FailureCode code;
  private final String field;

  ApiError(int status, FailureCode code, String field, String detail) {
    super(detail, null, false, false);
    this.status = status;
    this.code = code;
    this.field = field;
  }

  static ApiError badParameter(String name, String problem) {
    return new ApiError(400, FailureCode.INVALID_ARG, name, name + ": " + problem);
  }

  int status() {
    return status;
  }

  FailureCode code() {
    return code;
  }

  String field() {
    return field;
  }
}
