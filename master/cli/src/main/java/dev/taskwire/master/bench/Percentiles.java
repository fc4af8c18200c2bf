package dev.taskwire.master.bench;

import java.util.Arrays;

/** Percentiles of a set of measurements (nearest rank). */
public final class Percentiles {
  private final long[] sorted;

  /** Takes a copy of {@code values}. */
  public Percentiles(long[] values) {
    this.sorted = values.clone();
    Arrays.sort(sorted);
  }

  /** The value below which a fraction {@code q} (0 to 1) of the measurements fall; 0 if there are none. */
  public long at(double q) {
    if (sorted.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  /** The largest measurement; 0 if there are none. */
  public long max() {
    return sorted.length == 0 ? 0 : sorted[sorted.length - 1];
  }

  /** How many measurements there are. */
  public int count() {
    return sorted.length;
  }
}
