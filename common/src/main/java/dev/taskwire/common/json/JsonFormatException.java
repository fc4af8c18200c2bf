package dev.taskwire.common.json;

/** Input that is not JSON, or not of the expected shape. The message says what was wrong. */
public final class JsonFormatException extends RuntimeException {
  public JsonFormatException(String message) {
    super(message);
  }

  public JsonFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
