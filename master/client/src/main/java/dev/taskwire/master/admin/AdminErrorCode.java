package dev.taskwire.master.admin;

import dev.taskwire.common.protocol.ErrorCode;
import java.util.Map;

/**
 * Codes of the admin API's failures. They start at 1001 so that they never collide with a protocol
 * code; a slave's own refusal is passed through with the slave's code instead (see {@link
 * #SLAVE_REFUSED}). Each code has its exception, nested in {@link AdminResponseException}.
 */
public enum AdminErrorCode implements ErrorCode {
  /** No {@code Authorization: Bearer} header, or a wrong admin token. */
  UNAUTHORIZED(1001, 401),
  /** No connection, task or job with that name or id. */
  NOT_FOUND(1002, 404),
  /** A body, parameter or value that is malformed or out of range. */
  BAD_REQUEST(1003, 400),
  /** A live connection already has that name, or the connection is not in a state for this. */
  CONFLICT(1004, 409),
  /** The slave could not be reached. */
  SLAVE_UNREACHABLE(1005, 502),
  /**
   * The slave refused (wrong channel, no free slot, its hook said no): answered 409 with the
   * slave's own code and message, and {@code data.slaveStatus} the HTTP status it answered.
   */
  SLAVE_REFUSED(1006, 409),
  /**
   * The scheduler's queue has no room for the jobs submitted; none of them was queued. Answered
   * 429 with {@code data.capacity}, the queue's capacity: retry once jobs have left the queue.
   */
  QUEUE_FULL(1007, 429),
  /**
   * {@code GET /api/v1/events}: as many event streams as the master serves at once are open
   * already ({@code data.max}); answered 429 before the stream starts.
   */
  TOO_MANY_STREAMS(1008, 429),
  /**
   * The answer would hold more bytes of jobs or tasks than the master answers at once (its {@code
   * maxAnswerBytes}, {@code data.maxBytes}); answered 413 before it is built: ask for fewer (a
   * smaller {@code ?limit}, fewer ids; {@code data.fit} of them fit), or for smaller ones.
   */
  ANSWER_TOO_LARGE(1009, 413),
  /**
   * The master's store could not write the change (a full disk, an I/O error): nothing was
   * accepted (a submitted job is cancelled, never run); retry once {@code /health} no longer says
   * the store is failing.
   */
  STORE_UNAVAILABLE(1010, 503);

  private final int code;
  private final int httpStatus;

  AdminErrorCode(int code, int httpStatus) {
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

  /** The {@link AdminResponseException} subclass of this code, with this code's status. */
  @Override
  public AdminResponseException exception(String message, Map<String, Object> data) {
    return AdminResponseException.create(this, httpStatus, code, message, data);
  }

  /** {@link #exception(String, Map)} with empty data. */
  @Override
  public AdminResponseException exception(String message) {
    return exception(message, Map.of());
  }

  /** The constant with number {@code code}, or null if the admin API has none. */
  public static AdminErrorCode forCode(int code) {
    for (AdminErrorCode value : values()) {
      if (value.code == code) {
        return value;
      }
    }
    return null;
  }
}
