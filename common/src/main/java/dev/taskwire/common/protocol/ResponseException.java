package dev.taskwire.common.protocol;

import java.util.Map;

/**
 * A failure response of the protocol: the HTTP status and the envelope's {@code success}, {@code
 * code}, {@code message} and {@code data}.
 *
 * <p>Each protocol error code has its own subclass (nested in {@link SlaveResponseException} and
 * {@link MasterResponseException}), so callers catch exactly the failure they handle. A code that
 * no subclass knows (or a failure whose body was not an envelope, code {@link #NO_ENVELOPE}) is an
 * instance of this class itself.
 */
public class ResponseException extends RuntimeException {
  /** The code of a failure response whose body was not an envelope. */
  public static final int NO_ENVELOPE = -1;

  private final int httpStatus;
  private final boolean success;
  private final int code;
  private final String responseMessage;
  private final Map<String, Object> data;

  public ResponseException(
      int httpStatus, boolean success, int code, String responseMessage, Map<String, Object> data) {
    super("HTTP " + httpStatus + ", code " + code + ": " + responseMessage);
    this.httpStatus = httpStatus;
    this.success = success;
    this.code = code;
    this.responseMessage = responseMessage;
    this.data = data == null ? Map.of() : data;
  }

  /** The HTTP status of the response. */
  public int httpStatus() {
    return httpStatus;
  }

  /** The envelope's {@code success} (false, except for a reference peer's oddities). */
  public boolean success() {
    return success;
  }

  /** The envelope's {@code code}. */
  public int code() {
    return code;
  }

  /** The envelope's {@code message}, as the peer wrote it. */
  public String responseMessage() {
    return responseMessage;
  }

  /** The envelope's {@code data}; empty if it was null or missing. */
  public Map<String, Object> data() {
    return data;
  }

  /** The envelope a server answers this failure with. */
  public Envelope toEnvelope() {
    return new Envelope(success, code, responseMessage, data);
  }
}
