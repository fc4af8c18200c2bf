package dev.taskwire.common.util;

/** Values from clients and peers made safe for a log line: control characters escaped, length bounded. */
public final class LogSafe {
  /** The longest excerpt of a value that goes into a log line. */
  public static final int MAX_CHARS = 200;

  private LogSafe() {}

  /**
   * {@code value} with control characters written as escapes ({@code \n}, {@code \r}, {@code \t},
   * {@code \u0000}...) so that it cannot forge a log line, cut to {@link #MAX_CHARS} characters
   * with an ellipsis; {@code "null"} for null.
   */
  public static String escape(String value) {
    if (value == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder(Math.min(value.length(), MAX_CHARS) + 8);
    for (int i = 0; i < value.length(); i++) {
      if (out.length() >= MAX_CHARS) {
        return out.append('…').toString();
      }
      char c = value.charAt(i);
      switch (c) {
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }
}
