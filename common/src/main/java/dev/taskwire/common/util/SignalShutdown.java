package dev.taskwire.common.util;

import java.time.Duration;
import java.util.Objects;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shuts a process down on SIGTERM or Ctrl-C, and forces the exit if the shutdown takes too long.
 *
 * <p>A plain shutdown hook that blocks keeps the JVM alive for as long as it blocks: the JVM exits
 * only once every hook has returned. One thread stuck in a handler (a body read that never ends,
 * a loop, a wait without a limit) would then leave a process that ignores SIGTERM until someone
 * sends SIGKILL. So the hook installed here runs the shutdown on a thread of its own and waits at
 * most a stated limit; past it, it logs one warning and halts the JVM with {@link
 * #FORCED_EXIT_STATUS}, skipping whatever is still running.
 */
public final class SignalShutdown {
  private static final Logger log = LoggerFactory.getLogger(SignalShutdown.class);

  /**
   * Exit status of a forced exit: 143 = 128 + 15 (SIGTERM), the status the JVM exits with after
   * SIGTERM anyway, so that a supervisor sees the same status whether or not the exit was forced.
   */
  public static final int FORCED_EXIT_STATUS = 143;

  /**
   * Time a shutdown gets past its grace period before the exit is forced: room for the usual work
   * after the grace period (reports sent, heartbeat and server stopped; Jetty's thread pool gives
   * up on a stuck thread after 5 s). A shutdown still running after that is cut short.
   */
  public static final Duration MARGIN = Duration.ofSeconds(5);

  private SignalShutdown() {}

  /**
   * Registers a JVM shutdown hook named {@code name + "-signal"} that runs {@code shutdown} on a
   * thread of its own and waits at most {@code limit} for it; if it has not finished by then, logs
   * a warning and calls {@link Runtime#halt(int)} with {@link #FORCED_EXIT_STATUS}. Pass the
   * process's grace period plus {@link #MARGIN} as the limit.
   */
  public static void install(String name, Runnable shutdown, Duration limit) {
    Runtime.getRuntime().addShutdownHook(hook(name, shutdown, limit, Runtime.getRuntime()::halt));
  }

  /** The hook thread of {@link #install}, with {@code halt} in place of {@link Runtime#halt(int)}: for tests. */
  static Thread hook(String name, Runnable shutdown, Duration limit, IntConsumer halt) {
    Objects.requireNonNull(name, "name == null");
    Objects.requireNonNull(shutdown, "shutdown == null");
    Objects.requireNonNull(limit, "limit == null");
    Objects.requireNonNull(halt, "halt == null");
    if (limit.isNegative() || limit.isZero()) {
      throw new IllegalArgumentException("limit <= 0: " + limit);
    }
    return new Thread(() -> runBounded(name, shutdown, limit, halt), name + "-signal");
  }

  private static void runBounded(String name, Runnable shutdown, Duration limit, IntConsumer halt) {
    Thread worker = new Thread(() -> {
      try {
        shutdown.run();
      } catch (RuntimeException | Error e) {
        log.error("{} shutdown failed", name, e);
      }
    }, name + "-signal-shutdown");
    // Not daemon or not, the JVM halts once the hooks return; daemon so that a test's stuck shutdown
    // does not keep a test JVM alive.
    worker.setDaemon(true);
    worker.start();
    try {
      worker.join(Math.max(1, limit.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // asked to stop waiting: treated as the limit passing
    }
    if (worker.isAlive()) {
      log.warn("{} still shutting down {} ms after the signal; forcing the exit (status {})",
          name, limit.toMillis(), FORCED_EXIT_STATUS);
      halt.accept(FORCED_EXIT_STATUS);
    }
  }
}
