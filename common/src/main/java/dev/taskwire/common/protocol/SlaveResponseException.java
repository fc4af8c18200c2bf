package dev.taskwire.common.protocol;

import java.util.Map;

/**
 * A failure answered by a slave, with one nested subclass per {@link SlaveErrorCode}. Catch the
 * subclass for one failure, or this class for any failure of a slave.
 */
public class SlaveResponseException extends ResponseException {
  private final SlaveErrorCode errorCode;

  SlaveResponseException(SlaveErrorCode errorCode, int httpStatus, String message, Map<String, Object> data) {
    super(httpStatus, false, errorCode.code(), message, data);
    this.errorCode = errorCode;
  }

  /** The error code as a constant. */
  public SlaveErrorCode errorCode() {
    return errorCode;
  }

  /**
   * The subclass for {@code code}; {@code httpStatus} is the status actually received, which a
   * reference peer may answer differently from the protocol table.
   */
  static SlaveResponseException create(SlaveErrorCode code, int httpStatus, String message, Map<String, Object> data) {
    return switch (code) {
      case SYSTEM_SHUTTING_DOWN -> new SystemShuttingDown(httpStatus, message, data);
      case CHANNEL_NOT_FOUND -> new ChannelNotFound(httpStatus, message, data);
      case CHANNEL_INVALID -> new ChannelInvalid(httpStatus, message, data);
      case MASTER_TOKEN_NOT_FOUND -> new MasterTokenNotFound(httpStatus, message, data);
      case MASTER_TOKEN_INVALID -> new MasterTokenInvalid(httpStatus, message, data);
      case SELF_TOKEN_NOT_FOUND -> new SelfTokenNotFound(httpStatus, message, data);
      case SELF_TOKEN_INVALID -> new SelfTokenInvalid(httpStatus, message, data);
      case SLAVE_ALREADY_CONNECTED -> new SlaveAlreadyConnected(httpStatus, message, data);
      case SLAVE_NOT_CONNECTED -> new SlaveNotConnected(httpStatus, message, data);
      case SLAVE_CONNECTION_REFUSED -> new SlaveConnectionRefused(httpStatus, message, data);
      case SLAVE_DISCONNECTION_REFUSED -> new SlaveDisconnectionRefused(httpStatus, message, data);
      case TASK_ALREADY_EXIST -> new TaskAlreadyExist(httpStatus, message, data);
      case TASK_REFUSED -> new TaskRefused(httpStatus, message, data);
    };
  }

  /** SYSTEM_SHUTTING_DOWN: The slave is shutting down. */
  public static final class SystemShuttingDown extends SlaveResponseException {
    public SystemShuttingDown(int httpStatus, String message, Map<String, Object> data) {
      super(SlaveErrorCode.SYSTEM_SHUTTING_DOWN, httpStatus, message, data);
    }
  }

  /** CHANNEL_NOT_FOUND: The request carries no Channel header. */
  public static final class ChannelNotFound extends SlaveResponseException {
    public ChannelNotFound(int httpStatus, String message, Map<String, Object> data) {
      super(SlaveErrorCode.CHANNEL_NOT_FOUND, httpStatus, message, data);
    }
  }

  /** CHANNEL_INVALID: The Channel header differs from the slave's channel. */
  public static final class ChannelInvalid extends SlaveResponseException {
    public ChannelInvalid(int httpStatus, String message, Map<String, Object> data) {
      super(SlaveErrorCode.CHANNEL_INVALID, httpStatus, message, data);
    }
  }

  /** MASTER_TOKEN_NOT_FOUND: The request carries no Token header. */
  public static final class MasterTokenNotFound extends SlaveResponseException {
    public MasterTokenNotFound(int httpStatus, String message, Map<String, Object> data) {
      super(SlaveErrorCode.MASTER_TOKEN_NOT_FOUND, httpStatus, message, data);
    }
  }

  /** MASTER_TOKEN_INVALID: The Token differs from the connection token. */
  public static final class MasterTokenInvalid extends SlaveResponseException {
    public MasterTokenInvalid(int httpStatus, String message, Map<String, Object> data) {
      super(SlaveErrorCode.MASTER_TOKEN_INVALID, httpStatus, message, data);
    }
  }

  /** SELF_TOKEN_NOT_FOUND: A self request carries no Token header. */
  public static final class SelfTokenNotFound extends SlaveResponseException {
    public SelfTokenNotFound(int httpStatus, String message, Map<String, Object> data) {
      super(SlaveErrorCode.SELF_TOKEN_NOT_FOUND, httpStatus, message, data);
    }
  }

  /** SELF_TOKEN_INVALID: A self request carries a wrong Token. */
  public static final class SelfTokenInvalid extends SlaveResponseException {
    public SelfTokenInvalid(int httpStatus, String message, Map<String, Object> data) {
      super(SlaveErrorCode.SELF_TOKEN_INVALID, httpStatus, message, data);
    }
  }

  /** SLAVE_ALREADY_CONNECTED: The slave is already connected to a master. */
  public static final class SlaveAlreadyConnected extends SlaveResponseException {
    public SlaveAlreadyConnected(int httpStatus, String message, Map<String, Object> data) {
      super(SlaveErrorCode.SLAVE_ALREADY_CONNECTED, httpStatus, message, data);
    }
  }

  /** SLAVE_NOT_CONNECTED: The slave is not connected. */
  public static final class SlaveNotConnected extends SlaveResponseException {
    public SlaveNotConnected(int httpStatus, String message, Map<String, Object> data) {
      super(SlaveErrorCode.SLAVE_NOT_CONNECTED, httpStatus, message, data);
    }
  }

  /** SLAVE_CONNECTION_REFUSED: The slave's before-connection hook refused; data is the hook's. */
  public static final class SlaveConnectionRefused extends SlaveResponseException {
    public SlaveConnectionRefused(int httpStatus, String message, Map<String, Object> data) {
      super(SlaveErrorCode.SLAVE_CONNECTION_REFUSED, httpStatus, message, data);
    }
  }

  /** SLAVE_DISCONNECTION_REFUSED: The slave's before-disconnection hook refused; data is the hook's. */
  public static final class SlaveDisconnectionRefused extends SlaveResponseException {
    public SlaveDisconnectionRefused(int httpStatus, String message, Map<String, Object> data) {
      super(SlaveErrorCode.SLAVE_DISCONNECTION_REFUSED, httpStatus, message, data);
    }
  }

  /** TASK_ALREADY_EXIST: The slave has no free slot for another task. */
  public static final class TaskAlreadyExist extends SlaveResponseException {
    public TaskAlreadyExist(int httpStatus, String message, Map<String, Object> data) {
      super(SlaveErrorCode.TASK_ALREADY_EXIST, httpStatus, message, data);
    }
  }

  /** TASK_REFUSED: The slave's before-task hook refused; data is the hook's. */
  public static final class TaskRefused extends SlaveResponseException {
    public TaskRefused(int httpStatus, String message, Map<String, Object> data) {
      super(SlaveErrorCode.TASK_REFUSED, httpStatus, message, data);
    }
  }
}
