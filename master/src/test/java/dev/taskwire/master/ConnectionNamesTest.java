package dev.taskwire.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.protocol.ConnectionNames;
import dev.taskwire.common.testing.Servers;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The connection-name rule, as {@link Master#newConnection} applies it. */
class ConnectionNamesTest {
  @RegisterExtension final Servers servers = new Servers();
  private Master master;

  @BeforeEach
  void start() {
    master = servers.start(TestMasters.loopback().build().start());
  }

  private String refused(String name) {
    String message = assertThrows(IllegalArgumentException.class, () -> master.newConnection(name, "127.0.0.1", 7236),
        () -> "name accepted: " + name).getMessage();
    assertTrue(message.startsWith(ConnectionNames.RULE + "; got \""), message);
    assertFalse(message.chars().anyMatch(c -> c < 0x20), "no control character in: " + message);
    return message;
  }

  @Test
  void newConnectionRefusesNamesOutsideTheRuleAndShowsThemEscaped() {
    assertEquals(ConnectionNames.RULE + "; got \"gpu-1\\nINFO forged line\"", refused("gpu-1\nINFO forged line"));
    assertEquals(ConnectionNames.RULE + "; got \"a\\u0000b\"", refused("a\u0000b"));
    assertEquals(ConnectionNames.RULE + "; got \"a b\"", refused("a b"));
    assertEquals(ConnectionNames.RULE + "; got \"\"", refused(""));
    for (String name : List.of("-a", ".a", "_a", ":a", "@a", "a/b", "a%b", "a\\b", "naïve", "a\tb", "a\rb", "a\u2028b")) {
      refused(name);
    }
    assertEquals("name == null",
        assertThrows(NullPointerException.class, () -> master.newConnection(null, "127.0.0.1", 7236)).getMessage());
  }

  @Test
  void newConnectionRefusesALongNameAndShowsItCutShortWithItsLength() {
    String message = refused("x".repeat(10_000));
    assertTrue(message.endsWith("…\" (10000 characters)"), message);
    assertTrue(message.length() < 500, () -> "message of " + message.length() + " characters");
    assertTrue(refused("x".repeat(ConnectionNames.MAX_LENGTH + 1)).endsWith("(129 characters)"));
  }

  @Test
  void newConnectionAcceptsNamesAtTheLimitAndWithEachAllowedCharacter() {
    for (String name : List.of("x".repeat(ConnectionNames.MAX_LENGTH), "a", "7", "gpu-1", "a.b", "a_b", "a-b", "a:b",
        "a@b", "Worker.01_eu-west:7236@rack-9", "ABCXYZabcxyz0189")) {
      assertEquals(name, master.newConnection(name, "127.0.0.1", 7236).name());
    }
  }

  @Test
  void isValidMatchesTheRule() {
    assertTrue(ConnectionNames.isValid("s1"));
    assertFalse(ConnectionNames.isValid(null));
    assertFalse(ConnectionNames.isValid(""));
    assertFalse(ConnectionNames.isValid("x".repeat(129)));
    assertFalse(ConnectionNames.isValid("a\n"));
  }
}
