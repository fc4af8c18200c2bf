package dev.taskwire.common.util;

/**
 * The shape of the names Taskwire shows in logs, URLs and answers (connection names, groups,
 * labels): ASCII letters, digits and a few punctuation characters, the first a letter or a digit,
 * so that nothing in them breaks a line or needs escaping.
 */
public final class SimpleNames {
  private SimpleNames() {}

  /**
   * Whether {@code name} is 1 to {@code maxLength} characters of ASCII letters, digits and the
   * characters of {@code punctuation}, starting with a letter or digit.
   */
  public static boolean isValid(String name, int maxLength, String punctuation) {
    if (name == null || name.isEmpty() || name.length() > maxLength || !isLetterOrDigit(name.charAt(0))) {
      return false;
    }
    for (int i = 1; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!isLetterOrDigit(c) && punctuation.indexOf(c) < 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean isLetterOrDigit(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }
}
