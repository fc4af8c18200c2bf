package dev.taskwire.common.protocol;

import java.util.Map;

/** The error codes a slave answers with (docs/protocol.md, "Slave error codes"). */
public enum SlaveErrorCode implements ErrorCode {
  SYSTEM_SHUTTING_DOWN(101, 401),
  CHANNEL_NOT_FOUND(201, 400),
  CHANNEL_INVALID(202, 403),
  MASTER_TOKEN_NOT_FOUND(301, 400),
  MASTER_TOKEN_INVALID(302, 403),
  SELF_TOKEN_NOT_FOUND(401, 400),
  SELF_TOKEN_INVALID(402, 403),
  SLAVE_ALREADY_CONNECTED(501, 400),
  SLAVE_NOT_CONNECTED(502, 400),
  SLAVE_CONNECTION_REFUSED(503, 403),
  SLAVE_DISCONNECTION_REFUSED(504, 403),
  TASK_ALREADY_EXIST(601, 400),
  TASK_REFUSED(602, 403);

  private final int code;
  private final int httpStatus;

  SlaveErrorCode(int code, int httpStatus) {
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
    return SlaveResponseException.create(this, httpStatus, message, data);
  }

  /** The constant with number {@code code}, or null if the slave protocol has none. */
  public static SlaveErrorCode forCode(int code) {
    for (SlaveErrorCode value : values()) {
      if (value.code == code) {
        return value;
      }
    }
    return null;
  }
}
