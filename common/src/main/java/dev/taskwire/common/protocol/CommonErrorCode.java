package dev.taskwire.common.protocol;

import java.util.Map;

/**
 * Failures that belong to neither side's table: the reference's generic failure code, and the
 * HTTP-level failures a Taskwire server answers with an envelope instead of an error page. The
 * HTTP-level codes equal their HTTP status, which no protocol table uses (so there is no 503:
 * a slave's table has it).
 */
public enum CommonErrorCode implements ErrorCode {
  /**
   * The reference's {@code COMMON_FAILURE}. A Taskwire slave answers a malformed body with it,
   * because the slave's table has no data-invalid code (the reference answers such a body 500).
   */
  COMMON_FAILURE(1, 400),
  /** A request the HTTP layer could not read (a malformed request line, header or path). */
  BAD_REQUEST(400, 400),
  NOT_FOUND(404, 404),
  METHOD_NOT_ALLOWED(405, 405),
  /** The body did not arrive within the body time limit. */
  REQUEST_TIMEOUT(408, 408),
  BODY_TOO_LARGE(413, 413),
  URI_TOO_LONG(414, 414),
  /** Too many large bodies are being read at once; the client may retry. */
  TOO_MANY_REQUESTS(429, 429),
  HEADERS_TOO_LARGE(431, 431),
  /** A bug in a server, answered with an envelope and logged with its stack trace. */
  INTERNAL_ERROR(500, 500);

  private final int code;
  private final int httpStatus;

  CommonErrorCode(int code, int httpStatus) {
    this.code = code;
    this.httpStatus = httpStatus;
  }

  /**
   * The code for an HTTP-level failure with {@code status}: the entry of that status, else 400 for
   * a client error and 500 for a server error (statuses such as 501 or 503 would collide with a
   * protocol code).
   */
  public static CommonErrorCode forHttpStatus(int status) {
    for (CommonErrorCode code : values()) {
      if (code.httpStatus == status && code != COMMON_FAILURE) {
        return code;
      }
    }
    return status >= 500 ? INTERNAL_ERROR : BAD_REQUEST;
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
