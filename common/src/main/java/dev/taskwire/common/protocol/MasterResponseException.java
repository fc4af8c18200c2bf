package dev.taskwire.common.protocol;

import java.util.Map;

/**
 * A failure answered by a master, with one nested subclass per {@link MasterErrorCode}. Catch the
 * subclass for one failure, or this class for any failure of a master.
 */
public class MasterResponseException extends ResponseException {
  private final MasterErrorCode errorCode;

  MasterResponseException(MasterErrorCode errorCode, int httpStatus, String message, Map<String, Object> data) {
    super(httpStatus, false, errorCode.code(), message, data);
    this.errorCode = errorCode;
  }

  /** The error code as a constant. */
  public MasterErrorCode errorCode() {
    return errorCode;
  }

  /**
   * The subclass for {@code code}; {@code httpStatus} is the status actually received, which a
   * reference peer may answer differently from the protocol table.
   */
  static MasterResponseException create(MasterErrorCode code, int httpStatus, String message, Map<String, Object> data) {
    return switch (code) {
      case SYSTEM_SHUTTING_DOWN -> new SystemShuttingDown(httpStatus, message, data);
      case CHANNEL_NOT_GIVEN -> new ChannelNotGiven(httpStatus, message, data);
      case CHANNEL_INVALID -> new ChannelInvalid(httpStatus, message, data);
      case MASTER_TOKEN_NOT_GIVEN -> new MasterTokenNotGiven(httpStatus, message, data);
      case MASTER_TOKEN_INVALID -> new MasterTokenInvalid(httpStatus, message, data);
      case SELF_TOKEN_NOT_GIVEN -> new SelfTokenNotGiven(httpStatus, message, data);
      case SELF_TOKEN_INVALID -> new SelfTokenInvalid(httpStatus, message, data);
      case SLAVE_TOKEN_NOT_GIVEN -> new SlaveTokenNotGiven(httpStatus, message, data);
      case SLAVE_TOKEN_INVALID -> new SlaveTokenInvalid(httpStatus, message, data);
      case TASK_DATA_INVALID -> new TaskDataInvalid(httpStatus, message, data);
      case JOIN_NOT_ENABLED -> new JoinNotEnabled(httpStatus, message, data);
      case JOIN_REFUSED -> new JoinRefused(httpStatus, message, data);
      case JOIN_NAME_TAKEN -> new JoinNameTaken(httpStatus, message, data);
      case JOIN_CONNECT_FAILED -> new JoinConnectFailed(httpStatus, message, data);
      case STORE_UNAVAILABLE -> new StoreUnavailable(httpStatus, message, data);
    };
  }

  /** STORE_UNAVAILABLE: The master's store could not write the report; send it again later. */
  public static final class StoreUnavailable extends MasterResponseException {
    public StoreUnavailable(int httpStatus, String message, Map<String, Object> data) {
      super(MasterErrorCode.STORE_UNAVAILABLE, httpStatus, message, data);
    }
  }

  /** SYSTEM_SHUTTING_DOWN: The master is shutting down. */
  public static final class SystemShuttingDown extends MasterResponseException {
    public SystemShuttingDown(int httpStatus, String message, Map<String, Object> data) {
      super(MasterErrorCode.SYSTEM_SHUTTING_DOWN, httpStatus, message, data);
    }
  }

  /** CHANNEL_NOT_GIVEN: The request carries no Channel header. */
  public static final class ChannelNotGiven extends MasterResponseException {
    public ChannelNotGiven(int httpStatus, String message, Map<String, Object> data) {
      super(MasterErrorCode.CHANNEL_NOT_GIVEN, httpStatus, message, data);
    }
  }

  /** CHANNEL_INVALID: The Channel header differs from the master's channel. */
  public static final class ChannelInvalid extends MasterResponseException {
    public ChannelInvalid(int httpStatus, String message, Map<String, Object> data) {
      super(MasterErrorCode.CHANNEL_INVALID, httpStatus, message, data);
    }
  }

  /** MASTER_TOKEN_NOT_GIVEN: Reserved by the protocol. */
  public static final class MasterTokenNotGiven extends MasterResponseException {
    public MasterTokenNotGiven(int httpStatus, String message, Map<String, Object> data) {
      super(MasterErrorCode.MASTER_TOKEN_NOT_GIVEN, httpStatus, message, data);
    }
  }

  /** MASTER_TOKEN_INVALID: Reserved by the protocol. */
  public static final class MasterTokenInvalid extends MasterResponseException {
    public MasterTokenInvalid(int httpStatus, String message, Map<String, Object> data) {
      super(MasterErrorCode.MASTER_TOKEN_INVALID, httpStatus, message, data);
    }
  }

  /** SELF_TOKEN_NOT_GIVEN: A self request carries no Token header. */
  public static final class SelfTokenNotGiven extends MasterResponseException {
    public SelfTokenNotGiven(int httpStatus, String message, Map<String, Object> data) {
      super(MasterErrorCode.SELF_TOKEN_NOT_GIVEN, httpStatus, message, data);
    }
  }

  /** SELF_TOKEN_INVALID: A self request carries a wrong Token. */
  public static final class SelfTokenInvalid extends MasterResponseException {
    public SelfTokenInvalid(int httpStatus, String message, Map<String, Object> data) {
      super(MasterErrorCode.SELF_TOKEN_INVALID, httpStatus, message, data);
    }
  }

  /** SLAVE_TOKEN_NOT_GIVEN: The request carries no Token header. */
  public static final class SlaveTokenNotGiven extends MasterResponseException {
    public SlaveTokenNotGiven(int httpStatus, String message, Map<String, Object> data) {
      super(MasterErrorCode.SLAVE_TOKEN_NOT_GIVEN, httpStatus, message, data);
    }
  }

  /** SLAVE_TOKEN_INVALID: The Token names no live connection. */
  public static final class SlaveTokenInvalid extends MasterResponseException {
    public SlaveTokenInvalid(int httpStatus, String message, Map<String, Object> data) {
      super(MasterErrorCode.SLAVE_TOKEN_INVALID, httpStatus, message, data);
    }
  }

  /** TASK_DATA_INVALID: The body is not JSON, or task, task.id or result is missing or of the wrong type. */
  public static final class TaskDataInvalid extends MasterResponseException {
    public TaskDataInvalid(int httpStatus, String message, Map<String, Object> data) {
      super(MasterErrorCode.TASK_DATA_INVALID, httpStatus, message, data);
    }
  }

  /** JOIN_NOT_ENABLED: The master accepts no joins. */
  public static final class JoinNotEnabled extends MasterResponseException {
    public JoinNotEnabled(int httpStatus, String message, Map<String, Object> data) {
      super(MasterErrorCode.JOIN_NOT_ENABLED, httpStatus, message, data);
    }
  }

  /** JOIN_REFUSED: The join's proof of the shared secret is missing, wrong, expired or replayed. */
  public static final class JoinRefused extends MasterResponseException {
    public JoinRefused(int httpStatus, String message, Map<String, Object> data) {
      super(MasterErrorCode.JOIN_REFUSED, httpStatus, message, data);
    }
  }

  /** JOIN_NAME_TAKEN: A live connection from another address has the joining slave's name. */
  public static final class JoinNameTaken extends MasterResponseException {
    public JoinNameTaken(int httpStatus, String message, Map<String, Object> data) {
      super(MasterErrorCode.JOIN_NAME_TAKEN, httpStatus, message, data);
    }
  }

  /** JOIN_CONNECT_FAILED: The master could not connect to the joining slave. */
  public static final class JoinConnectFailed extends MasterResponseException {
    public JoinConnectFailed(int httpStatus, String message, Map<String, Object> data) {
      super(MasterErrorCode.JOIN_CONNECT_FAILED, httpStatus, message, data);
    }
  }
}
