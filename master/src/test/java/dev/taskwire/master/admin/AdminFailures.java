package dev.taskwire.master.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.taskwire.common.protocol.ResponseException;

/** Failures of calls to the admin API, checked for the HTTP status and the code a user reads. */
final class AdminFailures {
  private AdminFailures() {}

  /** A call to the admin API, which may throw. */
  interface Call {
    void run() throws Exception;
  }

  /**
   * Makes {@code call}, which must throw a {@link ResponseException} of HTTP {@code status} and
   * {@code code} (a mismatch fails with the exception's message); returns it for more checks.
   */
  static ResponseException failure(int status, int code, Call call) {
    ResponseException e = assertThrows(ResponseException.class, call::run);
    assertEquals(status, e.httpStatus(), e.getMessage());
    assertEquals(code, e.code(), e.getMessage());
    return e;
  }
}
