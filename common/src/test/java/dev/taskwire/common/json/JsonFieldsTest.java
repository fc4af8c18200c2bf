package dev.taskwire.common.json;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A bad field's value comes back in the message escaped and cut, whatever it holds. */
class JsonFieldsTest {
  @Test
  void aBadValueIsEchoedEscapedAndCut() {
    String hostile = "\u007f\u0085\u2028\n" + "x".repeat(10_000);
    String message = assertThrows(JsonFormatException.class,
        () -> JsonFields.string(Map.of("id", List.of(hostile)), "task.id", "id")).getMessage();
    assertTrue(message.startsWith("task.id must be a non-empty string, got [\"\\u007f\\u0085\\u2028\\n"), message);
    assertTrue(message.length() < 300, () -> message.length() + " characters");
    for (char c : message.toCharArray()) {
      assertFalse(c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029', message);
    }
  }
}
