package dev.taskwire.common.json;

import java.util.Map;

/**
 * Typed reads of fields of a request body. A missing field or one of the wrong type throws {@link
 * JsonFormatException} naming the field, which a {@code JsonServer} answers with the side's
 * data-invalid code.
 */
public final class JsonFields {
  private JsonFields() {}

  /** The object at {@code key}, which the error names. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> object(Map<String, Object> body, String key) {
    Object value = body.get(key);
    if (!(value instanceof Map<?, ?>)) {
      throw new JsonFormatException(problem(key, value, "an object"));
    }
    return (Map<String, Object>) value;
  }

  /** The object at {@code key}, or {@code {}} when it is missing or null (the protocol's rule for {@code data}). */
  public static Map<String, Object> objectOrEmpty(Map<String, Object> body, String key) {
    return body.get(key) == null ? new java.util.LinkedHashMap<>() : object(body, key);
  }

  /** The non-empty string at {@code key}; {@code path} names the field in the error, e.g. {@code task.id}. */
  public static String string(Map<String, Object> body, String path, String key) {
    Object value = body.get(key);
    if (!(value instanceof String text) || text.isEmpty()) {
      throw new JsonFormatException(problem(path, value, "a non-empty string"));
    }
    return text;
  }

  private static String problem(String path, Object value, String expected) {
    if (value == null) {
      return path + " is missing; expected " + expected;
    }
    // JSON escapes C0 controls only: LogSafe also escapes DEL, C1 and the line separators, and cuts.
    return path + " must be " + expected + ", got " + dev.taskwire.common.util.LogSafe.escape(Json.toString(value));
  }
}
