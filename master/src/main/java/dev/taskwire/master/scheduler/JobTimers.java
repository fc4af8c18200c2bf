package dev.taskwire.master.scheduler;

import dev.taskwire.common.util.NamedThreads;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The scheduler's timers, on one thread of their own: each job's deadline (from its submit), its
 * queue timeout (from its first time in the queue to its first dispatch) and a retry's backoff, and
 * the end of a busy slave's pause. What a timer does when it fires is handed in; a job's timers
 * stop when it ends. Timers are not job state: they follow from it (a durable store would arm them
 * again from its jobs' times). Not thread-safe: the scheduler's lock guards it.
 */
final class JobTimers {
  private final ScheduledThreadPoolExecutor timer;
  private final Map<JobRecord, Armed> armed = new HashMap<>(); // only jobs with a timer running

  /** The timers of one job. */
  private static final class Armed {
    ScheduledFuture<?> deadline;
    ScheduledFuture<?> queueTimeout;
    ScheduledFuture<?> backoff;

    boolean isEmpty() {
      return deadline == null && queueTimeout == null && backoff == null;
    }
  }

  JobTimers() {
    this.timer = new ScheduledThreadPoolExecutor(1, NamedThreads.daemon("taskwire-scheduler-timer"));
    timer.setRemoveOnCancelPolicy(true); // a finished job's timers leave the queue at once
  }

  /** Runs {@code action} once {@code job}'s deadline, {@code delay} from now, has passed. */
  void deadline(JobRecord job, Duration delay, Runnable action) {
    ScheduledFuture<?> future = schedule(action, delay);
    if (future != null) {
      armed.computeIfAbsent(job, j -> new Armed()).deadline = future;
    }
  }

  /** Runs {@code action} if {@code job}, queued now for the first time, is not dispatched within {@code delay}. */
  void queueTimeout(JobRecord job, Duration delay, Runnable action) {
    ScheduledFuture<?> future = schedule(action, delay);
    if (future != null) {
      armed.computeIfAbsent(job, j -> new Armed()).queueTimeout = future;
    }
  }

  /** Runs {@code action} once {@code job}'s backoff of {@code delay} is over. */
  void backoff(JobRecord job, Duration delay, Runnable action) {
    ScheduledFuture<?> future = schedule(action, delay);
    if (future != null) {
      armed.computeIfAbsent(job, j -> new Armed()).backoff = future;
    }
  }

  /** {@code job}'s backoff is over: its timer has fired. */
  void backoffOver(JobRecord job) {
    Armed timers = armed.get(job);
    if (timers != null) {
      timers.backoff = null;
      forgetIfEmpty(job, timers);
    }
  }

  /** {@code job} was dispatched: its queue timeout is met. */
  void dispatched(JobRecord job) {
    Armed timers = armed.get(job);
    if (timers != null && timers.queueTimeout != null) {
      timers.queueTimeout = cancel(timers.queueTimeout);
      forgetIfEmpty(job, timers);
    }
  }

  /** {@code job} ended: its timers stop. */
  void ended(JobRecord job) {
    Armed timers = armed.remove(job);
    if (timers != null) {
      cancel(timers.deadline);
      cancel(timers.queueTimeout);
      cancel(timers.backoff);
    }
  }

  /** Runs {@code action} after {@code delay}; nothing once the scheduler has shut down. */
  ScheduledFuture<?> schedule(Runnable action, Duration delay) {
    try {
      return timer.schedule(action, delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException stopped) {
      return null; // shutting down: the shutdown ends the job
    }
  }

  void shutdown() {
    timer.shutdownNow();
  }

  private void forgetIfEmpty(JobRecord job, Armed timers) {
    if (timers.isEmpty()) {
      armed.remove(job);
    }
  }

  private static ScheduledFuture<?> cancel(ScheduledFuture<?> future) {
    if (future != null) {
      future.cancel(false);
    }
    return null;
  }
}
