package dev.taskwire.common.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TokenTest {
  @Test
  void generatedTokensAre64LowercaseHexCharacters() {
    for (int i = 0; i < 100; i++) {
      String value = Token.generate().value();
      assertEquals(64, value.length());
      assertTrue(value.matches("[0-9a-f]{64}"), value);
    }
  }

  @Test
  void tenThousandTokensHaveNoRepeats() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      assertTrue(seen.add(Token.generate().value()));
    }
  }

  @Test
  void matchesOnlyTheSameText() {
    Token token = Token.generate();
    assertTrue(token.matches(token.value()));
    assertFalse(token.matches(token.value().substring(1)));
    assertFalse(token.matches(token.value().toUpperCase()));
    assertFalse(token.matches(null));
    assertFalse(token.matches(""));
  }

  @Test
  void toStringNeverShowsTheWholeToken() {
    Token token = Token.generate();
    assertEquals(token.value().substring(0, 6) + "…", token.toString());
    assertEquals("***", Token.mask("abc"));
  }

  @Test
  void emptyTokenIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Token.of(""));
    assertEquals("token is empty", e.getMessage());
  }
}
