package dev.taskwire.common.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void jsonSizeIsTheNumberOfBytesWrittenMultiByteCharactersAndEscapesIncluded() {
    Map<String, Object> value = new java.util.LinkedHashMap<>();
    value.put("text", "héllo \"quoted\" \u00e9\u4e2d\n");
    value.put("list", List.of(1, 2.5, true));
    value.put("none", null);
    assertEquals(Json.toBytes(value).length, JsonSize.of(value));
    assertEquals(4, JsonSize.of(null));
    assertEquals(4 * 1024 * 1024 + 2, JsonSize.of("x".repeat(4 * 1024 * 1024)));
  }

  @Test
  void emptyInputIsTheEmptyObject() {
    assertEquals(Map.of(), Json.parseObject(""));
    assertEquals(Map.of(), Json.parseObject("   "));
  }

  @Test
  void nestedValuesBecomeMapsAndLists() {
    assertEquals(Map.of("a", Map.of("b", List.of(1, "x", true))), Json.parseObject("{\"a\":{\"b\":[1,\"x\",true]}}"));
  }

  @Test
  void malformedJsonIsRejectedWithOneLineMessage() {
    JsonFormatException e = assertThrows(JsonFormatException.class, () -> Json.parseObject("{\"a\":"));
    assertTrue(e.getMessage().startsWith("body is not valid JSON"), e.getMessage());
    assertTrue(!e.getMessage().contains("\n"), e.getMessage());
  }

  @Test
  void nonObjectJsonIsRejectedNamingItsType() {
    assertEquals("body must be a JSON object, got ARRAY",
        assertThrows(JsonFormatException.class, () -> Json.parseObject("[1]")).getMessage());
    assertEquals("body must be a JSON object, got NULL",
        assertThrows(JsonFormatException.class, () -> Json.parseObject("null")).getMessage());
    assertEquals("body must be a JSON object, got NUMBER",
        assertThrows(JsonFormatException.class, () -> Json.parseObject("42")).getMessage());
  }

  private static String nested(int depth) {
    return "{\"n\":".repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
  }

  @Test
  void nestingUpToTheLimitIsReadAndOnePastItRefused() {
    Json.parseObject(nested(Json.MAX_DATA_DEPTH));
    JsonFormatException e = assertThrows(JsonFormatException.class, () -> Json.parseObject(nested(Json.MAX_DATA_DEPTH + 1)));
    assertEquals("body nests deeper than " + Json.MAX_DATA_DEPTH + " levels", e.getMessage());
    // Arrays count as levels too.
    String arrays = "{\"a\":" + "[".repeat(Json.MAX_DATA_DEPTH) + "]".repeat(Json.MAX_DATA_DEPTH) + "}";
    assertThrows(JsonFormatException.class, () -> Json.parseObject(arrays));
  }

  @Test
  void aDocumentThatWrapsDataHasRoomForItsWrapper() {
    String body = "{\"data\":" + nested(Json.MAX_DATA_DEPTH) + "}";
    assertThrows(JsonFormatException.class, () -> Json.parseObject(body));
    assertEquals(1, Json.parseObject(body.getBytes(java.nio.charset.StandardCharsets.UTF_8), 1).size());
  }

  @Test
  void aKeyRepeatedInOneObjectIsRefused() {
    JsonFormatException e = assertThrows(JsonFormatException.class, () -> Json.parseObject("{\"a\": 1, \"a\": 2}"));
    assertEquals("body is not valid JSON: key \"a\" appears twice in one object", e.getMessage());
    assertThrows(JsonFormatException.class, () -> Json.parseObject("{\"x\": {\"a\": null, \"a\": null}}"));
    assertEquals(Map.of("a", Map.of("a", 1)), Json.parseObject("{\"a\": {\"a\": 1}}"), "the same key at two levels is fine");
  }

  @Test
  void numbersOutOfRangeAreRefusedAndLargeIntegersKept() {
    JsonFormatException e = assertThrows(JsonFormatException.class, () -> Json.parseObject("{\"x\": 1e999999}"));
    assertEquals("body is not valid JSON: number 1e999999 is out of range", e.getMessage());
    assertThrows(JsonFormatException.class, () -> Json.parseObject("{\"x\": -1e400}"));
    assertEquals(new java.math.BigInteger("123456789012345678901234567890"),
        Json.parseObject("{\"x\": 123456789012345678901234567890}").get("x"));
    assertEquals(2.5, Json.parseObject("{\"x\": 2.5}").get("x"));
    assertEquals(7L * Integer.MAX_VALUE, Json.parseObject("{\"x\": " + 7L * Integer.MAX_VALUE + "}").get("x"));
  }

  @Test
  void messagesNameNoJavaClasses() {
    for (String bad : List.of("{\"a\":", "[1]", "{\"a\": tru}", "{} {}", "{\"a\": NaN}", "{\"a\": 01}",
        "{\"a\": " + "9".repeat(5000) + "}")) {
      JsonFormatException e = assertThrows(JsonFormatException.class, () -> Json.parseObject(bad), bad);
      assertTrue(!e.getMessage().contains("java.") && !e.getMessage().contains("jackson"), e.getMessage());
    }
  }
}
