package dev.taskwire.master.scheduler;

import dev.taskwire.common.util.Durations;
import java.time.Duration;

/**
 * How long a job waits before a retry that its {@link JobOptions#retryOn() policy} asked for: {@code
 * initial}, then each wait {@code multiplier} times the one before, never more than {@code cap}, as
 * Temporal's and Celery's retry policies do. A retry after a lost connection does not wait.
 *
 * @param initial the wait before the first retry
 * @param multiplier how much each wait grows, at least 1
 * @param cap the longest wait
 */
public record Backoff(Duration initial, double multiplier, Duration cap) {
  /** 1 s, doubling, at most 1 minute. */
  public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), 2.0, Duration.ofMinutes(1));
  /** No wait at all. */
  public static final Backoff NONE = new Backoff(Duration.ZERO, 1.0, Duration.ZERO);

  public Backoff {
    DurationBounds.check("initial", initial);
    DurationBounds.check("cap", cap);
    if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
      throw new IllegalArgumentException("multiplier must be a number >= 1, got " + multiplier);
    }
    if (cap.compareTo(initial) < 0) {
      throw new IllegalArgumentException("cap " + Durations.format(cap) + " < initial " + Durations.format(initial));
    }
  }

  /** The wait before retry number {@code retry} (1 for the first retry). */
  public Duration delay(int retry) {
    double nanos = initial.toNanos() * Math.pow(multiplier, Math.max(0, retry - 1));
    return nanos >= cap.toNanos() ? cap : Duration.ofNanos((long) nanos);
  }
}
