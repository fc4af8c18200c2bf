package dev.taskwire.common.util;

import java.time.Duration;
import java.util.Objects;

/** Argument checks for builders: each failure names the setting, the rule and the bad value. */
public final class Checks {
  private Checks() {}

  /** {@code value} if it is at least {@code min}, e.g. {@code "heartbeatSpan < 200ms: 100ms"}. */
  public static Duration atLeast(String name, Duration value, Duration min) {
    Objects.requireNonNull(value, name + " == null");
    if (value.compareTo(min) < 0) {
      throw new IllegalArgumentException(
          name + " < " + Durations.format(min) + ": " + Durations.format(value));
    }
    return value;
  }

  /** {@code value} if it is at least {@code min}. */
  public static int atLeast(String name, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(name + " < " + min + ": " + value);
    }
    return value;
  }

  /** {@code value} if it is a TCP port or 0 (any free port). */
  public static int port(String name, int value) {
    if (value < 0 || value > 65_535) {
      throw new IllegalArgumentException(name + " not in 0..65535: " + value);
    }
    return value;
  }

  /** {@code value} if it is not negative. */
  public static Duration notNegative(String name, Duration value) {
    return atLeast(name, value, Duration.ZERO);
  }
}
