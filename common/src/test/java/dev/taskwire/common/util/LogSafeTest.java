package dev.taskwire.common.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LogSafeTest {
  @Test
  void lineBreaksTabsAndNulAreWrittenAsEscapes() {
    assertEquals("a\\nINFO forged\\r\\tb\\u0000c", LogSafe.escape("a\nINFO forged\r\tb\u0000c"));
  }

  @Test
  void otherControlCharactersAndUnicodeLineSeparatorsAreWrittenAsUnicodeEscapes() {
    assertEquals("\\u001b[31m\\u007f\\u0085\\u2028\\u2029", LogSafe.escape("\u001b[31m\u007f\u0085\u2028\u2029"));
  }

  @Test
  void plainTextAndNonAsciiLettersAreLeftAsTheyAre() {
    assertEquals("gpu-1 naïve 日本 \\ \"q\" 😀", LogSafe.escape("gpu-1 naïve 日本 \\ \"q\" 😀"));
    assertEquals("null", LogSafe.escape(null));
    assertEquals("", LogSafe.escape(""));
  }

  @Test
  void longTextIsCutAtTheBoundWithAnEllipsis() {
    String cut = LogSafe.escape("x".repeat(10_000));
    assertEquals("x".repeat(LogSafe.DEFAULT_MAX_CHARS) + "…", cut);
    assertEquals("abc", LogSafe.escape("abc", 3));
    assertEquals("abc…", LogSafe.escape("abcd", 3));
  }

  @Test
  void theBoundCountsEscapesAndNeverSplitsOneOrASurrogatePair() {
    assertEquals("ab…", LogSafe.escape("ab\ncd", 3), "\\n would pass the bound: cut before it");
    assertEquals("ab\\n…", LogSafe.escape("ab\ncd", 4));
    assertEquals("a…", LogSafe.escape("a😀", 2), "the emoji is two chars and would pass the bound");
    assertEquals("a😀", LogSafe.escape("a😀", 3));
    assertEquals("\uD800\\n", LogSafe.escape("\uD800\n"), "a lone surrogate does not hide the line break after it");
  }

  @Test
  void aBoundBelowOneIsRefused() {
    assertEquals("maxChars < 1: 0",
        assertThrows(IllegalArgumentException.class, () -> LogSafe.escape("a", 0)).getMessage());
  }
}
