package dev.taskwire.common.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
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
    JsonNode node;
    try {
      node = MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw new JsonFormatException("body is not valid JSON: " + firstLine(e), e);
    }
    if (node == null || node.isMissingNode()) {
      return new LinkedHashMap<>();
    }
    if (!node.isObject()) {
      throw new JsonFormatException("body must be a JSON object, got " + node.getNodeType());
    }
    return MAPPER.convertValue(node, OBJECT);
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
    return MAPPER.convertValue(value, OBJECT);
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
