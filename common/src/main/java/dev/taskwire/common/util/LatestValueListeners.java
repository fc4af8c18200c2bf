package dev.taskwire.common.util;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listeners of a value that changes often (a task's or job's progress): each {@link #offer} is
 * delivered to every listener, in order, on a shared pool through a {@link SerialExecutor}; while a
 * delivery is queued, newer offers replace its value rather than queue more, so a burst costs one
 * delivery of its latest value. {@link #finish} queues the owner's final work after the deliveries
 * queued so far and takes no offer after it, so nothing is delivered after the final callbacks. A
 * listener that throws is logged and the others still run. Thread-safe.
 */
public final class LatestValueListeners<T> {
  private static final Logger log = LoggerFactory.getLogger(LatestValueListeners.class);

  private final String owner;
  private final SerialExecutor serial;
  private final List<Consumer<T>> listeners = new ArrayList<>(2);
  private T latest; // guarded by this
  private boolean queued; // guarded by this: a delivery of latest is queued
  private boolean finished; // guarded by this: offers are ignored

  /** Listeners run on {@code pool}; {@code owner} names them in the log (e.g. "task 3f2a..."). */
  public LatestValueListeners(Executor pool, String owner) {
    this.serial = new SerialExecutor(pool);
    this.owner = owner;
  }

  /** Adds {@code listener}, told of offers from now on. */
  public synchronized void add(Consumer<T> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener == null"));
  }

  /**
   * Delivers {@code value} to every listener (or, if a delivery is still queued, replaces its value);
   * ignored after {@link #finish}. Queued under this object's monitor, so that an offer and a finish
   * racing each other keep their order.
   */
  public synchronized void offer(T value) {
    if (finished) {
      return;
    }
    latest = value;
    if (!queued) {
      queued = true;
      serial.execute(this::deliver);
    }
  }

  /** Runs {@code last} after the deliveries queued so far; offers from now on are ignored. */
  public synchronized void finish(Runnable last) {
    finished = true;
    serial.execute(last);
  }

  private void deliver() {
    T value;
    List<Consumer<T>> toTell;
    synchronized (this) {
      queued = false;
      value = latest;
      toTell = List.copyOf(listeners);
    }
    for (Consumer<T> listener : toTell) {
      try {
        listener.accept(value);
      } catch (RuntimeException | Error e) {
        log.error("A listener of {} threw; the others still run", owner, e);
      }
    }
  }
}
