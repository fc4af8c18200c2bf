package dev.taskwire.common.util;

/**
 * Makes text that a client or peer sent safe to put in a log line or an error message: control
 * characters are escaped, so a value cannot forge a line of its own, and the text is cut to a
 * bound, so a value cannot flood the log.
 */
public final class LogSafe {
  /** The bound of {@link #escape(String)}, in characters of the escaped text before the ellipsis. */
  public static final int DEFAULT_MAX_CHARS = 200;

  private LogSafe() {}

  /** {@link #escape(String, int)} with {@link #DEFAULT_MAX_CHARS}. */
  public static String escape(String value) {
    return escape(value, DEFAULT_MAX_CHARS);
  }

  /**
   * {@code value} with {@code \n}, {@code \r} and {@code \t} written as those two characters and
   * every other control character (C0, DEL, C1, the Unicode line and paragraph separators) as
   * {@code \}{@code uXXXX}; cut after {@code maxChars} characters of that with an ellipsis
   * ({@code …}) when longer. {@code "null"} for null. Backslashes are left as they are: this is for
   * reading, not for parsing back.
   */
  public static String escape(String value, int maxChars) {
    if (maxChars < 1) {
      throw new IllegalArgumentException("maxChars < 1: " + maxChars);
    }
    if (value == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder(Math.min(value.length(), maxChars) + 8);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      String piece = switch (c) {
        case '\n' -> "\\n";
        case '\r' -> "\\r";
        case '\t' -> "\\t";
        default -> isControl(c) ? String.format("\\u%04x", (int) c) : null;
      };
      boolean pair = Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1));
      int length = piece == null ? (pair ? 2 : 1) : piece.length();
      if (out.length() + length > maxChars) {
        return out.append('…').toString();
      }
      if (piece != null) {
        out.append(piece);
      } else {
        // A surrogate pair is kept whole: half of one would print as garbage.
        out.append(value, i, i + length);
        i += length - 1;
      }
    }
    return out.toString();
  }

  private static boolean isControl(char c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
  }
}
