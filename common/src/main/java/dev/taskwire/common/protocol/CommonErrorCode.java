package dev.taskwire.common.protocol;

import java.util.Map;

/**
 * Failures that belong to neither side's table: the reference's generic failure code, and the
 * HTTP-level failures a Taskwire server answers with an envelope instead of an error page. The
 * HTTP-level codes equal their HTTP status, which no protocol table uses.
 */
public enum CommonErrorCode implements ErrorCode {
  /**
   * The reference's {@code COMMON_FAILURE}. A Taskwire slave answers a malformed body with it,
   * because the slave's table has no data-invalid code (the reference answers such a body 500).
   */
  COMMON_FAILURE(1, 400),
  NOT_FOUND(404, 404),
  METHOD_NOT_ALLOWED(405, 405),
  BODY_TOO_LARGE(413, 413),
  /** A bug in a server, answered with an envelope and logged with its stack trace. */
  INTERNAL_ERROR(500, 500);

  private final int code;
  private final int httpStatus;

  CommonErrorCode(int code, int httpStatus) {
    this.code = code;
    this.httpStatus = httpStatus;
  }

  @Override
  public int code() {
    return code;
  }

  @Override
  public int httpStatus() {
    return httpStatus;
  }

  @Override
  public ResponseException exception(String message, Map<String, Object> data) {
    return new ResponseException(httpStatus, false, code, message, data);
  }
}
