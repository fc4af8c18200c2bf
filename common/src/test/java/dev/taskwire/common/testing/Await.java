package dev.taskwire.common.testing;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waits, with a limit, for a condition that no latch or future can signal (a state another
 * process or the server reaches). Fails the test with {@code what} when the limit passes.
 */
public final class Await {
  private Await() {}

  /** Checks {@code condition} every millisecond until it holds; fails after {@code limit}. */
  public static void until(Duration limit, String what, BooleanSupplier condition) {
    until(limit, () -> what, condition);
  }

  /** {@link #until(Duration, String, BooleanSupplier)} with a description made when it fails, e.g. of what is left. */
  public static void until(Duration limit, java.util.function.Supplier<String> what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("not within " + limit.toMillis() + " ms: " + what.get());
      }
      LockSupport.parkNanos(1_000_000);
    }
  }
}
