package dev.taskwire.master.scheduler;

import dev.taskwire.common.util.Checks;
import java.time.Duration;

/** The range of a job's durations (timeouts, deadline, backoff), checked where options are made. */
final class DurationBounds {
  /** A year: longer overflows a timer's nanoseconds, or is a typo. */
  static final Duration MAX = Duration.ofDays(365);

  private DurationBounds() {}

  /** {@code value} if it is 0..{@link #MAX}; otherwise IllegalArgumentException naming it. */
  static Duration check(String name, Duration value) {
    Checks.notNegative(name, value);
    if (value.compareTo(MAX) > 0) {
      throw new IllegalArgumentException(name + " must be at most " + MAX.toDays() + " days, got " + value.toDays() + " days");
    }
    return value;
  }
}
