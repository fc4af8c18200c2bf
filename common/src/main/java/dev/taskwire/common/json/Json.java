package dev.taskwire.common.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one JSON mapper of Taskwire, and helpers for the one representation of task data and
 * results that both sides use: {@code Map<String, Object>} (nested objects are maps, arrays are
 * lists, numbers are Integer/Long/BigInteger/Double as Jackson reads them).
 */
public final class Json {
  /** Shared, thread-safe mapper. Unknown keys are ignored so that peers may add extensions. */
  public static final ObjectMapper MAPPER =
      new ObjectMapper()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

  private static final TypeReference<LinkedHashMap<String, Object>> OBJECT = new TypeReference<>() {};

  private Json() {}

  /** Serializes {@code value} to UTF-8 JSON bytes. */
  public static byte[] toBytes(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not serializable as JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** Serializes {@code value} to a JSON string. */
  public static String toString(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not serializable as JSON: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Parses {@code bytes} as one JSON object. An empty input is the empty object, as the protocol
   * says for an empty request body.
   *
   * @throws JsonFormatException if the input is not JSON, or is JSON but not an object
   */
  public static Map<String, Object> parseObject(byte[] bytes) {
    if (bytes.length == 0) {
      return new LinkedHashMap<>();
    }
    // Straight into maps (no tree, no conversion): this is on every request's path.
    try (JsonParser parser = MAPPER.createParser(bytes)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        return new LinkedHashMap<>();
      }
      if (first != JsonToken.START_OBJECT) {
        throw new JsonFormatException("body must be a JSON object, got " + typeName(first));
      }
      Map<String, Object> object = MAPPER.readValue(parser, OBJECT);
      if (parser.nextToken() != null) {
        throw new JsonFormatException("body is not valid JSON: trailing content after the object");
      }
      return object;
    } catch (JsonFormatException e) {
      throw e;
    } catch (IOException e) {
      throw new JsonFormatException("body is not valid JSON: " + firstLine(e), e);
    }
  }

  private static String typeName(JsonToken token) {
    return switch (token) {
      case START_ARRAY -> "ARRAY";
      case VALUE_STRING -> "STRING";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "NUMBER";
      case VALUE_TRUE, VALUE_FALSE -> "BOOLEAN";
      case VALUE_NULL -> "NULL";
      default -> token.name();
    };
  }

  /** Parses a JSON object from a string; see {@link #parseObject(byte[])}. */
  public static Map<String, Object> parseObject(String text) {
    return parseObject(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /**
   * {@code value} as plain JSON values (maps, lists, strings, numbers, booleans, null), e.g. a
   * record or a date becomes what Jackson writes for it.
   *
   * @throws IllegalArgumentException if Jackson cannot write {@code value}
   */
  public static Map<String, Object> normalize(Map<String, Object> value) {
    return isPlain(value) ? value : MAPPER.convertValue(value, OBJECT);
  }

  /** Whether {@code value} holds only plain JSON values already (the common case: no copy needed). */
  private static boolean isPlain(Object value) {
    if (value == null || value instanceof String || value instanceof Boolean || value instanceof Integer
        || value instanceof Long || value instanceof Double || value instanceof java.math.BigInteger
        || value instanceof java.math.BigDecimal || value instanceof Short || value instanceof Float) {
      return true;
    }
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        if (!(entry.getKey() instanceof String) || !isPlain(entry.getValue())) {
          return false;
        }
      }
      return true;
    }
    if (value instanceof java.util.List<?> list) {
      for (Object item : list) {
        if (!isPlain(item)) {
          return false;
        }
      }
      return true;
    }
    return false;
  }

  /** Converts a JSON value of the map representation into {@code type} (for example a record). */
  public static <T> T convert(Object value, Class<T> type) {
    try {
      return MAPPER.convertValue(value, type);
    } catch (IllegalArgumentException e) {
      throw new JsonFormatException(firstLine(e), e);
    }
  }

  /** Reads {@code bytes} as {@code type}. */
  public static <T> T read(byte[] bytes, Class<T> type) {
    try {
      return MAPPER.readValue(bytes, type);
    } catch (IOException e) {
      throw new JsonFormatException(firstLine(e), e);
    }
  }

  /** Jackson messages carry a source excerpt after the first line; users need only the first. */
  private static String firstLine(Exception e) {
    String message = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
    if (message == null) {
      return e.getClass().getSimpleName();
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

}
