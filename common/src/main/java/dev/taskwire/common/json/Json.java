package dev.taskwire.common.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
   * The deepest nesting of task data or a result: an object or array counts one level, plus the
   * deepest value inside it ({@code {}} is 1, {@code {"a": [1]}} is 2). Checked where data enters
   * (request bodies, {@code --exec} output, CLI input); what Taskwire wraps around data (a request
   * body, an admin view, an envelope) adds a few levels, which Jackson's own limit of 1,000 on
   * writing and reading answers leaves room for.
   */
  public static final int MAX_DATA_DEPTH = 256;

  /**
   * Parses {@code bytes} as one JSON object whose nesting is at most {@link #MAX_DATA_DEPTH}. An
   * empty input is the empty object, as the protocol says for an empty request body.
   *
   * @throws JsonFormatException if the input is not JSON, is JSON but not an object, nests too
   *     deep, repeats a key within one object, or holds a number too large for a double
   */
  public static Map<String, Object> parseObject(byte[] bytes) {
    return parseObject(bytes, 0);
  }

  /**
   * {@link #parseObject(byte[])} for a document that wraps data in {@code wrapperLevels} levels of
   * its own: a request body {@code {"data": {...}}} is one level around its data, so its limit is
   * {@link #MAX_DATA_DEPTH} + 1.
   */
  public static Map<String, Object> parseObject(byte[] bytes, int wrapperLevels) {
    if (bytes.length == 0) {
      return new LinkedHashMap<>();
    }
    // Straight into maps (no tree, no conversion): this is on every request's path. Hand-written
    // over the token stream so that every rule is checked in one pass: nesting, duplicate keys
    // (Jackson's databind keeps the last), and numbers that would silently become Infinity.
    try (JsonParser parser = MAPPER.createParser(bytes)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        return new LinkedHashMap<>();
      }
      if (first != JsonToken.START_OBJECT) {
        throw new JsonFormatException("body must be a JSON object, got " + typeName(first));
      }
      Map<String, Object> object = readObject(parser, 1, MAX_DATA_DEPTH + wrapperLevels);
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

  private static Map<String, Object> readObject(JsonParser parser, int depth, int maxDepth) throws IOException {
    checkDepth(depth, maxDepth);
    Map<String, Object> object = new LinkedHashMap<>();
    String key;
    while ((key = parser.nextFieldName()) != null) {
      Object value = readValue(parser, parser.nextToken(), depth, maxDepth);
      if (object.containsKey(key)) {
        throw new JsonFormatException("body is not valid JSON: key \"" + excerpt(key) + "\" appears twice in one object");
      }
      object.put(key, value);
    }
    return object;
  }

  private static List<Object> readArray(JsonParser parser, int depth, int maxDepth) throws IOException {
    checkDepth(depth, maxDepth);
    List<Object> array = new ArrayList<>();
    JsonToken token;
    while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
      array.add(readValue(parser, token, depth, maxDepth));
    }
    return array;
  }

  private static Object readValue(JsonParser parser, JsonToken token, int depth, int maxDepth) throws IOException {
    return switch (token) {
      case START_OBJECT -> readObject(parser, depth + 1, maxDepth);
      case START_ARRAY -> readArray(parser, depth + 1, maxDepth);
      case VALUE_STRING -> parser.getText();
      case VALUE_NUMBER_INT -> parser.getNumberValue();
      case VALUE_NUMBER_FLOAT -> finite(parser.getDoubleValue(), parser);
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NULL -> null;
      default -> throw new JsonFormatException("body is not valid JSON: unexpected " + token);
    };
  }

  private static void checkDepth(int depth, int maxDepth) {
    if (depth > maxDepth) {
      throw new JsonFormatException("body nests deeper than " + maxDepth + " levels");
    }
  }

  private static Double finite(double value, JsonParser parser) throws IOException {
    if (!Double.isFinite(value)) {
      throw new JsonFormatException("body is not valid JSON: number " + excerpt(parser.getText()) + " is out of range");
    }
    return value;
  }

  private static String excerpt(String text) {
    return text.length() <= 40 ? text : text.substring(0, 40) + "…";
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
    String line = newline < 0 ? message : message.substring(0, newline);
    // Jackson's limits name the Java method that sets them: "(1000, from `StreamReadConstraints...`)".
    return line.replaceAll(", from `[^`]*`", "");
  }

}
