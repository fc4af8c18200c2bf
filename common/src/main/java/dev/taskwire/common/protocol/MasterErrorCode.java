package dev.taskwire.common.protocol;

import java.util.Map;

/** The error codes a master answers with (docs/protocol.md, "Master error codes"). */
public enum MasterErrorCode implements ErrorCode {
  SYSTEM_SHUTTING_DOWN(101, 401),
  CHANNEL_NOT_GIVEN(201, 400),
  CHANNEL_INVALID(202, 403),
  /** Reserved by the reference; never answered. */
  MASTER_TOKEN_NOT_GIVEN(301, 400),
  /** Reserved by the reference; never answered. */
  MASTER_TOKEN_INVALID(302, 403),
  SELF_TOKEN_NOT_GIVEN(401, 400),
  SELF_TOKEN_INVALID(402, 403),
  SLAVE_TOKEN_NOT_GIVEN(501, 400),
  SLAVE_TOKEN_INVALID(502, 403),
  TASK_DATA_INVALID(601, 400),
  /** Taskwire (extension "join"): the master accepts no joins (it has no shared secret and no --allow-open-join). */
  JOIN_NOT_ENABLED(701, 403),
  /** Taskwire: the join's proof of the shared secret is missing, wrong, expired or replayed; {@code data.reason} says which. */
  JOIN_REFUSED(702, 403),
  /** Taskwire: a live connection from another address has the joining slave's name. */
  JOIN_NAME_TAKEN(703, 409),
  /** Taskwire: the master could not connect to the joining slave; {@code data.reason} says why. */
  JOIN_CONNECT_FAILED(704, 502),
  /**
   * Taskwire: the master's store could not write the report (or anything before it): the report is
   * not acknowledged, so the slave keeps its result and sends it again.
   */
  STORE_UNAVAILABLE(801, 503);

  private final int code;
  private final int httpStatus;

  MasterErrorCode(int code, int httpStatus) {
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
    return MasterResponseException.create(this, httpStatus, message, data);
  }

  /** The constant with number {@code code}, or null if the master protocol has none. */
  public static MasterErrorCode forCode(int code) {
    for (MasterErrorCode value : values()) {
      if (value.code == code) {
        return value;
      }
    }
    return null;
  }
}
