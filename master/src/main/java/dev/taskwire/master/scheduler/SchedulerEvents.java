package dev.taskwire.master.scheduler;

import dev.taskwire.common.util.ThreadPools;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers events to the listeners on one thread of its own, in the order {@link #publish} was
 * called (under the scheduler's lock, so in the order things happened). With no listener an event
 * is not even made: {@link #wanted()} lets the scheduler skip it on every job's path.
 */
final class SchedulerEvents {
  private static final Logger log = LoggerFactory.getLogger(SchedulerEvents.class);

  private final List<SchedulerListener> listeners = new CopyOnWriteArrayList<>();
  private final ExecutorService thread = ThreadPools.elastic("taskwire-scheduler-events", 1);

  void add(SchedulerListener listener) {
    listeners.add(listener);
  }

  void remove(SchedulerListener listener) {
    listeners.remove(listener);
  }

  boolean wanted() {
    return !listeners.isEmpty();
  }

  void publish(SchedulerEvent event) {
    try {
      thread.execute(() -> deliver(event));
    } catch (RejectedExecutionException stopped) {
      // After shutdown: nobody is listening any more.
    }
  }

  private void deliver(SchedulerEvent event) {
    for (SchedulerListener listener : listeners) {
      try {
        listener.onEvent(event);
      } catch (RuntimeException | Error e) {
        log.error("A scheduler listener failed on {} of job {}", event.type(), event.job(), e);
      }
    }
  }

  /** Delivers what is already published, for up to {@code drain}, then stops. */
  void shutdown(Duration drain) {
    if (!ThreadPools.drain(thread, drain)) {
      log.warn("Scheduler listeners still busy after {} ms; not waiting for them", drain.toMillis());
    }
  }
}
