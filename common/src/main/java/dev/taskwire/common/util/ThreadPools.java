package dev.taskwire.common.util;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** The thread pools Taskwire's servers run their work on, made and drained one way. */
public final class ThreadPools {
  private ThreadPools() {}

  /**
   * A pool of up to {@code threads} daemon threads named {@code prefix-1}, {@code prefix-2}, ...,
   * with a queue of its own (unbounded: callers bound what they hand it) and threads that end
   * after 30 s without work, so an idle process holds none.
   */
  public static ThreadPoolExecutor elastic(String prefix, int threads) {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        NamedThreads.numberedDaemons(prefix));
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /**
   * Stops {@code pool} taking work and waits up to {@code limit} for what it holds to finish;
   * returns whether it did (false also when this thread was interrupted, which stays set).
   */
  public static boolean drain(ExecutorService pool, Duration limit) {
    pool.shutdown();
    try {
      return pool.awaitTermination(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
