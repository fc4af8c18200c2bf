package dev.taskwire.common.protocol;

import java.util.Map;

/** An error code of the protocol: its number, name and the HTTP status it is answered with. */
public interface ErrorCode {
  /** The number sent as {@code code} in the envelope. */
  int code();

  /** The HTTP status a server answers this code with. */
  int httpStatus();

  /** The constant's name, e.g. {@code CHANNEL_INVALID}. */
  String name();

  /** The exception that stands for this code, for a server handler to throw. */
  ResponseException exception(String message, Map<String, Object> data);

  /** {@link #exception(String, Map)} with empty data. */
  default ResponseException exception(String message) {
    return exception(message, Map.of());
  }
}
