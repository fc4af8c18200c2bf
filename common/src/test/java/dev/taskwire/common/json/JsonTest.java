package dev.taskwire.common.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
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
}
