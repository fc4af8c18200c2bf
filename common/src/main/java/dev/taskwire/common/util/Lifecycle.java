package dev.taskwire.common.util;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle of a master or a slave: {@code NEW → RUNNING → SHUTTING_DOWN → STOPPED}, with a
 * shutdown that runs once however many threads ask for it (a second caller, say SIGTERM during a
 * shutdown that {@code /shutdown} began, waits a bounded time for the first to finish, so that the
 * JVM does not exit half-way).
 */
public final class Lifecycle {
  private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);

  /** Where a process is in its life. */
  public enum State {
    NEW,
    RUNNING,
    SHUTTING_DOWN,
    STOPPED
  }

  private final String name;
  private final Duration secondCallerWait;
  private final Object lock = new Object();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile State state = State.NEW;

  /**
   * A lifecycle for {@code name} (used in messages); a second caller of shutdown waits at most
   * {@code secondCallerWait} for the first.
   */
  public Lifecycle(String name, Duration secondCallerWait) {
    this.name = name;
    this.secondCallerWait = secondCallerWait;
  }

  /** Runs {@code starting} and becomes RUNNING; only once, from NEW. */
  public void start(Runnable starting) {
    synchronized (lock) {
      if (state != State.NEW) {
        throw new IllegalStateException(name + " already started (state " + state + ")");
      }
      starting.run();
      state = State.RUNNING;
    }
  }

  /**
   * Whether the caller is to perform the shutdown: true once, for the first caller on a running
   * process, which then ends with {@link #finishShutdown()}. A process never started just stops;
   * a later caller waits for the first to finish.
   */
  public boolean beginShutdown() {
    boolean anotherCallerStops;
    synchronized (lock) {
      if (state == State.NEW) {
        finishShutdown();
        return false;
      }
      anotherCallerStops = state == State.SHUTTING_DOWN || state == State.STOPPED;
      if (!anotherCallerStops) {
        state = State.SHUTTING_DOWN;
      }
    }
    if (anotherCallerStops) {
      try {
        if (!stopped.await(secondCallerWait.toMillis(), TimeUnit.MILLISECONDS)) {
          log.warn("{} still shutting down after {} ms; not waiting longer", name, secondCallerWait.toMillis());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return !anotherCallerStops;
  }

  /** Marks the shutdown done: STOPPED, and {@link #join()} returns. */
  public void finishShutdown() {
    state = State.STOPPED;
    stopped.countDown();
  }

  public State state() {
    return state;
  }

  public boolean isRunning() {
    return state == State.RUNNING;
  }

  /** SHUTTING_DOWN or STOPPED: when every endpoint answers 401/101. */
  public boolean isShuttingDown() {
    State now = state;
    return now == State.SHUTTING_DOWN || now == State.STOPPED;
  }

  /** Waits until stopped. */
  public void join() throws InterruptedException {
    stopped.await();
  }

  /** Waits at most {@code timeout} until stopped; returns whether it did stop. */
  public boolean join(Duration timeout) throws InterruptedException {
    return stopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }
}
