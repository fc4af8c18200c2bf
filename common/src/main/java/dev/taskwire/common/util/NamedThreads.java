package dev.taskwire.common.util;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread factories for Taskwire's executors, one place for how their threads are named: every
 * thread of a process says what it does in a thread dump ({@code taskwire-master-timer}).
 */
public final class NamedThreads {
  private NamedThreads() {}

  /** Daemon threads all named {@code name}: for an executor of one thread. */
  public static ThreadFactory daemon(String name) {
    return runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }

  /** Daemon threads named {@code prefix-1}, {@code prefix-2}, ... */
  public static ThreadFactory numberedDaemons(String prefix) {
    return numbered(prefix, true);
  }

  /**
   * Threads named {@code prefix-1}, {@code prefix-2}, ..., daemons or not: a thread that must keep
   * the JVM alive while it works (a slave's task) is not a daemon.
   */
  public static ThreadFactory numbered(String prefix, boolean daemon) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
      thread.setDaemon(daemon);
      return thread;
    };
  }
}
