package dev.taskwire.common.util;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lets a log line of one kind through at most once per interval, counting the ones held back: for
 * lines that anyone on the network can cause (a refused {@code /connect}, a refused join), so that
 * a flood of them cannot flood the log. Keys should be few (a reason, not a peer's address).
 */
public final class LogThrottle {
  /** The most keys kept; beyond it every line of a new key is let through (the keys are a bug then). */
  private static final int MAX_KEYS = 1_000;

  private final long intervalNanos;
  private final Map<String, long[]> byKey = new ConcurrentHashMap<>(); // key -> {last logged at, held back since}

  /** At most one line per key per {@code interval}. */
  public LogThrottle(Duration interval) {
    this.intervalNanos = interval.toNanos();
  }

  /**
   * -1 if a line of {@code key} must be held back now; otherwise how many were held back since the
   * last one let through (0 for the first), and this one goes through.
   */
  public long pass(String key) {
    if (byKey.size() >= MAX_KEYS && !byKey.containsKey(key)) {
      return 0;
    }
    long[] state = byKey.computeIfAbsent(key, k -> new long[] {System.nanoTime() - intervalNanos, 0});
    synchronized (state) {
      long now = System.nanoTime();
      if (now - state[0] < intervalNanos) {
        state[1]++;
        return -1;
      }
      long heldBack = state[1];
      state[0] = now;
      state[1] = 0;
      return heldBack;
    }
  }

  /** {@code " (N more like it in the last minute not logged)"} for a count above 0, else "". */
  public static String heldBack(long count, Duration interval) {
    return count > 0 ? " (" + count + " more like it in the last " + Durations.format(interval) + " not logged)" : "";
  }
}
