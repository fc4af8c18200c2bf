package dev.taskwire.master.scheduler;

import dev.taskwire.common.util.ThreadPools;
import dev.taskwire.master.TaskFailure;
import dev.taskwire.master.TaskFailure.Reason;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadPoolExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler's part of its master's shutdown, run once ({@link FleetWatcher} hears it): every
 * job not final fails with SHUTDOWN (a durable store keeps them as they are instead, for the next
 * start), then the scheduler's threads stop, waiting at most {@code callbackDrain} for the job
 * callbacks already running.
 */
final class Shutdown implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Shutdown.class);

  private final Object lock;
  private final JobStore store;
  private final Outcomes outcomes;
  private final Dispatch dispatch;
  private final JobTimers timers;
  private final SchedulerEvents events;
  private final ThreadPoolExecutor callbacks;
  private final Duration callbackDrain;

  Shutdown(Object lock, JobStore store, Outcomes outcomes, Dispatch dispatch, JobTimers timers, SchedulerEvents events,
      ThreadPoolExecutor callbacks, Duration callbackDrain) {
    this.lock = lock;
    this.store = store;
    this.outcomes = outcomes;
    this.dispatch = dispatch;
    this.timers = timers;
    this.events = events;
    this.callbacks = callbacks;
    this.callbackDrain = callbackDrain;
  }

  @Override
  public void run() {
    Effects effects = new Effects();
    int ended;
    synchronized (lock) {
      if (store.isClosed()) {
        return;
      }
      // Attempts are not stopped: their connections end with the master. Each job alone: every
      // job not final ends SHUTDOWN, none UPSTREAM_FAILED.
      Changes changes = new Changes();
      store.close(Ending.failed(Map.of("error", "shutdown"), new TaskFailure(Reason.SHUTDOWN, "the master shut down")),
          changes);
      outcomes.apply(changes, effects);
      ended = changes.ended().size();
    }
    effects.run();
    if (ended > 0) {
      log.info("Scheduler: {} job(s) not final ended with SHUTDOWN", ended);
    }
    dispatch.shutdown();
    timers.shutdown();
    if (!ThreadPools.drain(callbacks, callbackDrain)) {
      log.warn("Job callbacks still running after {} ms; not waiting for them", callbackDrain.toMillis());
    }
    events.shutdown(Duration.ofSeconds(1));
  }
}
