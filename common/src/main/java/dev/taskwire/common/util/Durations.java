package dev.taskwire.common.util;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as users write them on command lines: {@code 200ms}, {@code 3s}, {@code 1.5s}, {@code 2m}, {@code 1h}. */
public final class Durations {
  private static final Pattern FORMAT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)");

  private Durations() {}

  /**
   * Parses {@code text}: a non-negative number and a unit ({@code ms}, {@code s}, {@code m} or
   * {@code h}).
   *
   * @throws IllegalArgumentException naming the text when it is not of that form
   */
  public static Duration parse(String text) {
    Objects.requireNonNull(text, "text == null");
    Matcher matcher = FORMAT.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!matcher.matches()) {
      throw new IllegalArgumentException(
          "not a duration (write it like 200ms, 3s, 1.5s, 2m or 1h): '" + text + "'");
    }
    BigDecimal amount = new BigDecimal(matcher.group(1));
    BigDecimal millisPerUnit =
        switch (matcher.group(2)) {
          case "ms" -> BigDecimal.ONE;
          case "s" -> BigDecimal.valueOf(1_000);
          case "m" -> BigDecimal.valueOf(60_000);
          default -> BigDecimal.valueOf(3_600_000);
        };
    BigDecimal nanos = amount.multiply(millisPerUnit).multiply(BigDecimal.valueOf(1_000_000));
    try {
      return Duration.ofNanos(nanos.longValueExact());
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("duration out of range or finer than 1 ns: '" + text + "'");
    }
  }

  /** {@code current} doubled, at most {@code cap}: the next wait of a backoff that doubles up to a cap. */
  public static Duration doubledUpTo(Duration current, Duration cap) {
    Duration doubled = current.multipliedBy(2);
    return doubled.compareTo(cap) > 0 ? cap : doubled;
  }

  /** Writes {@code duration} the way {@link #parse(String)} reads it, e.g. {@code 1.5s} or {@code 200ms}. */
  public static String format(Duration duration) {
    long millis = duration.toMillis();
    if (millis < 1_000 || millis % 1_000 != 0 && millis % 100 != 0) {
      return millis + "ms";
    }
    return BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString() + "s";
  }
}
