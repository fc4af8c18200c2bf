package dev.taskwire.common.protocol;

import dev.taskwire.common.util.LogSafe;
import java.util.Objects;

/**
 * The rule for connection names: 1 to {@value #MAX_LENGTH} characters of ASCII letters, digits and
 * {@code . _ - : @}, the first a letter or a digit. Names show up in log lines, URLs and the admin
 * API's answers, so nothing in them may break a line or need escaping.
 */
public final class ConnectionNames {
  /** The longest name. */
  public static final int MAX_LENGTH = 128;
  /** The rule as error messages state it. */
  public static final String RULE =
      "a connection name must be 1 to " + MAX_LENGTH + " characters of ASCII letters, digits and . _ - : @,"
          + " starting with a letter or digit";

  private ConnectionNames() {}

  /** Whether {@code name} follows the rule. */
  public static boolean isValid(String name) {
    return dev.taskwire.common.util.SimpleNames.isValid(name, MAX_LENGTH, ".-_:@");
  }


  /**
   * {@code name} if it follows the rule.
   *
   * @throws IllegalArgumentException stating the rule and the name, escaped and cut short
   */
  public static String require(String name) {
    Objects.requireNonNull(name, "name == null");
    if (!isValid(name)) {
      String length = name.length() > MAX_LENGTH ? " (" + name.length() + " characters)" : "";
      throw new IllegalArgumentException(RULE + "; got \"" + LogSafe.escape(name) + "\"" + length);
    }
    return name;
  }
}
