package dev.taskwire.master.scheduler;

import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.protocol.SlaveErrorCode;
import dev.taskwire.common.protocol.SlaveResponseException;
import dev.taskwire.common.util.LogSafe;
import dev.taskwire.master.Completion;
import dev.taskwire.master.Task;
import dev.taskwire.master.TaskFailure;
import dev.taskwire.master.TaskFailure.Reason;
import dev.taskwire.master.TaskStatus;
import dev.taskwire.master.scheduler.SchedulerEvent.Type;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What becomes of jobs when something ends: an attempt (reported, timed out, lost, refused by its
 * slave), a combined job's function, a timer (deadline, queue timeout, backoff), a caller's cancel.
 * Each decides under the scheduler's lock, hands the change to the {@link JobStore} as one call,
 * then acts on what the store reports ({@link #apply}): the events, in order; the timers; the
 * attempt to stop and the callbacks, once the lock is released.
 *
 * <p>Only the current attempt can end a job (fencing): the end of an earlier one is recorded and
 * changes nothing. LOST, START_FAILED and STALLED are retried at once; SLAVE_FAILED and TIMEOUT only
 * if the job's {@code retryOn} asks, after its backoff; while attempts are left.
 */
final class Outcomes {
  private static final Logger log = LoggerFactory.getLogger(Outcomes.class);

  private final Object lock;
  private final JobStore store;
  private final SchedulerEvents events;
  private final JobTimers timers;
  private final Dispatch dispatch;
  private final Executor callbacks;
  private final Combiners combiners;

  Outcomes(Object lock, JobStore store, SchedulerEvents events, JobTimers timers, Dispatch dispatch, Executor callbacks,
      Combiners combiners) {
    this.combiners = combiners;
    this.lock = lock;
    this.store = store;
    this.events = events;
    this.timers = timers;
    this.dispatch = dispatch;
    this.callbacks = callbacks;
  }

  // Ending jobs, under the lock.

  /** Ends {@code job} as {@code ending}, with what it spreads to; returns how many jobs that ended (0 if it was final). */
  int end(JobRecord job, Ending ending, Effects effects) {
    Changes changes = new Changes();
    int ended = store.end(job, ending, changes);
    apply(changes, effects);
    return ended;
  }

  /**
   * Acts on what a store call changed: for each job it ended, its timers stop, its final event goes
   * out (then EMPTY if no job is left), its attempt is stopped if the ending says so, and its
   * callbacks are delivered; a job queued for the first time gets its queue timeout; a combined
   * job whose upstreams completed gets its function run.
   */
  void apply(Changes changes, Effects effects) {
    List<Changes.Ended> ended = changes.ended();
    for (Changes.Ended one : ended) {
      JobRecord job = one.job();
      Ending ending = one.ending();
      timers.ended(job);
      if (events.wanted()) {
        Attempt last = one.lastAttempt();
        Type type = switch (ending.status()) {
          case COMPLETED -> Type.COMPLETED;
          case CANCELLED -> Type.CANCELLED;
          default -> Type.FAILED;
        };
        events.publish(SchedulerEvent.ofJob(type, job, last == null ? null : last.connection(),
            last == null ? null : last.number(), null, ending.failure() == null ? null : ending.failure().reason().name(),
            ending.eventMessage()));
      }
      if (ending.stopAttempt() && one.wasRunning()) {
        Task attempt = dispatch.taskOfLastAttempt(job);
        if (attempt != null) {
          effects.add(attempt::cancel);
        }
      }
      Completion<Job> completion = job.handle.completion();
      Completion.Sealed sealed = completion.seal(ending.status() == JobStatus.COMPLETED, ending.result());
      if (sealed != null) {
        effects.add(() -> completion.deliver(sealed));
      }
    }
    if (!ended.isEmpty() && events.wanted() && store.unfinishedCount() == 0) {
      events.publish(SchedulerEvent.empty());
    }
    for (JobRecord job : changes.queued()) {
      Duration queueTimeout = job.options.queueTimeout();
      if (!queueTimeout.isZero()) {
        timers.queueTimeout(job, queueTimeout, () -> queueTimedOut(job));
      }
    }
    for (Changes.Ready ready : changes.ready()) {
      combineLater(ready, effects);
    }
  }

  /** Under the lock: {@code job} was accepted; its deadline, if it has one, runs from now. */
  void accepted(JobRecord job) {
    Duration deadline = job.options.deadline();
    if (!deadline.isZero()) {
      timers.deadline(job, deadline, () -> deadlinePassed(job));
    }
  }

  // Attempts.

  /** {@code task} left its connection's tasks in flight: its slot is free; a job's attempt ends. */
  void attemptEnded(Task task) {
    Effects effects = new Effects();
    synchronized (lock) {
      if (task.status() != TaskStatus.START_FAILED) { // those end through the send
        attemptOver(task, effects);
      }
      dispatch.promote(effects); // a connection-bound task's slot is free for a job too
    }
    effects.run();
  }

  /** Under the lock: the send of {@code task} did not go through; {@code status} is its status after it. */
  void notAccepted(Task task, TaskStatus status, Throwable error, Effects effects) {
    if (status == TaskStatus.CANCELLED) {
      // Cancelled while it was being sent (the job ended meanwhile): if it never reached the
      // connection's tasks in flight, no event will come, so it ends here (once: by release).
      attemptOver(task, effects);
    } else {
      notStarted(task, error, effects);
    }
  }

  /** The slave reported {@code progress} of {@code task} on {@code connection}: the job's, if it is its current attempt. */
  void attemptProgress(String connection, Task task, Map<String, Object> progress) {
    synchronized (lock) {
      Dispatch.Running attempt = dispatch.running(task);
      if (attempt == null || !attempt.job().isCurrent(task.id().value())) {
        return;
      }
      JobRecord job = attempt.job();
      job.handle.completion().progress(progress, true);
      store.progressed(job);
      if (events.wanted()) {
        events.publish(SchedulerEvent.progress(job, connection, attempt.attempt(), progress));
      }
    }
  }

  /** Under the lock: {@code task}, final, ends its attempt, and ends or retries the job if it is the current one. */
  private void attemptOver(Task task, Effects effects) {
    Dispatch.Running attempt = dispatch.release(task);
    if (attempt == null) {
      return; // not a job's (a task sent on the connection directly), or already ended
    }
    JobRecord job = attempt.job();
    TaskStatus status = task.status();
    Attempt ended = job.attempt(attempt.attempt()).ended(status, task.failure());
    if (!job.isCurrent(task.id().value())) {
      store.attemptEnded(job, ended, 0, null, new Changes()); // fenced: only the current attempt ends a job
      return;
    }
    Verdict verdict = switch (status) {
      case COMPLETED -> Ending.completed(task.result(), null);
      case CANCELLED -> new Ending(JobStatus.CANCELLED, task.result(), task.failure(), false, null, false);
      default -> retryOrFail(job, task.failure(), task.result());
    };
    conclude(job, ended, attempt.entry(), verdict, effects);
  }

  /** Under the lock: {@code task} did not start; the attempt ends here (its connection's event skips START_FAILED). */
  private void notStarted(Task task, Throwable error, Effects effects) {
    Dispatch.Running attempt = dispatch.release(task);
    if (attempt == null || !attempt.job().isCurrent(task.id().value())) {
      return;
    }
    JobRecord job = attempt.job();
    FleetSlots.Entry entry = attempt.entry();
    String name = entry.connection.name();
    boolean busy = isBusy(error);
    // Refused because its connection ended first (not a hook's IllegalStateException): the slave never saw it.
    boolean neverSent = error instanceof IllegalStateException && !entry.connection.isConnected();
    if (!neverSent) {
      // A slave that refuses or cannot be reached would otherwise take (and fail) job after job as
      // fast as they come: it pauses, longer each time in a row, until it takes one again or ends.
      long pause = dispatch.pause(entry);
      String why = busy ? "busy" : LogSafe.escape(String.valueOf(error));
      effects.add(() -> log.info("Slave of {} did not take job {} ({}); no job goes to it for {} ms", name, job.id, why,
          pause / 1_000_000));
    }
    if (busy || neverSent) {
      // Not an attempt: the slave did not take it. Back to the head of its queue.
      store.notTaken(job);
      if (events.wanted()) {
        events.publish(SchedulerEvent.ofJob(Type.RETRYING, job, name, null, null, Reason.START_FAILED.name(),
            busy ? "the slave answered busy; not counted as an attempt" : "its connection ended before it was sent"));
      }
      return;
    }
    TaskFailure failure = task.failure() != null ? task.failure()
        : new TaskFailure(Reason.START_FAILED, "sending it threw " + LogSafe.escape(String.valueOf(error)));
    Attempt ended = job.lastAttempt().ended(TaskStatus.START_FAILED, failure);
    conclude(job, ended, entry, retryOrFail(job, failure, Map.of("error", "start-failed", "connection", name)), effects);
  }

  /**
   * Under the lock: the attempt {@code job} had in flight when the master stopped was claimed by no
   * slave within the adoption window: it ends LOST, and the job is retried as after any lost slave.
   * False if the job no longer runs that attempt.
   */
  boolean orphanLost(JobRecord job, String taskId, Effects effects) {
    if (!job.isCurrent(taskId)) {
      return false;
    }
    TaskFailure failure = new TaskFailure(Reason.LOST,
        "the master restarted and no slave claimed the attempt it had in flight");
    Attempt last = job.lastAttempt();
    Attempt ended = last.ended(TaskStatus.FAILED, failure);
    conclude(job, ended, 0, retryOrFail(job, failure, Map.of("error", "connection-lost", "connection", last.connection())),
        effects);
    return true;
  }

  /** Under the lock: the current attempt of {@code job} ended as {@code ended} on {@code entry}; {@code verdict} is applied. */
  private void conclude(JobRecord job, Attempt ended, FleetSlots.Entry entry, Verdict verdict, Effects effects) {
    conclude(job, ended, entry.serial, verdict, effects);
  }

  /** {@link #conclude(JobRecord, Attempt, FleetSlots.Entry, Verdict, Effects)} with the slot's serial (0: none to avoid). */
  private void conclude(JobRecord job, Attempt ended, long slot, Verdict verdict, Effects effects) {
    int done = job.attemptCount();
    Changes changes = new Changes();
    store.attemptEnded(job, ended, slot, verdict, changes);
    apply(changes, effects);
    if (verdict instanceof Retry retry) {
      Duration delay = retry.delay();
      if (events.wanted()) {
        events.publish(SchedulerEvent.ofJob(Type.RETRYING, job, ended.connection(), done, null, retry.reason().name(),
            "attempt " + done + " ended " + retry.reason() + "; attempt " + (done + 1) + " of "
                + job.options.maxAttempts() + (delay.isZero() ? " now" : " in " + delay.toMillis() + " ms")));
      }
      if (!delay.isZero()) {
        timers.backoff(job, delay, () -> backoffOver(job));
      }
    }
  }

  /**
   * What becomes of {@code job} whose current attempt ended with {@code failure}: a retry if its
   * policy says so and an attempt is left, else its end, FAILED.
   */
  private Verdict retryOrFail(JobRecord job, TaskFailure failure, Map<String, Object> result) {
    Reason reason = failure.reason();
    boolean always = reason == Reason.LOST || reason == Reason.START_FAILED || reason == Reason.STALLED;
    boolean retryable = !store.isClosed() && (always || job.options.retryOn().contains(reason));
    if (!retryable) {
      return Ending.failed(result, failure);
    }
    int done = job.attemptCount();
    if (done >= job.options.maxAttempts()) {
      return Ending.failed(result, new TaskFailure(Reason.RETRIES_EXHAUSTED,
          done + " attempt" + (done == 1 ? "" : "s") + "; the last ended " + reason + ": " + failure.message()));
    }
    return new Retry(reason, always ? Duration.ZERO : job.options.backoff().delay(done));
  }

  /** Whether the slave refused as busy: 601 (every slot taken), or a Taskwire slave's 429 (too many requests). */
  private static boolean isBusy(Throwable error) {
    if (error instanceof SlaveResponseException refusal) {
      return refusal.errorCode() == SlaveErrorCode.TASK_ALREADY_EXIST;
    }
    return error instanceof ResponseException answer && answer.httpStatus() == 429;
  }

  // Combined jobs.

  /** Registers {@code function} as {@code name} ({@link Scheduler#registerCombiner}); the jobs that waited for it run. */
  void register(String name, Combiner function) {
    Effects effects = new Effects();
    synchronized (lock) {
      for (Changes.Ready ready : combiners.register(name, function)) {
        combineLater(ready, effects);
      }
    }
    effects.run();
  }

  /** Under the lock: {@code ready}'s function runs on a callback thread once the lock is released. */
  private void combineLater(Changes.Ready ready, Effects effects) {
    effects.add(() -> {
      try {
        callbacks.execute(() -> combineNow(ready.job(), ready.results()));
      } catch (RejectedExecutionException stopped) {
        // The master is shutting down: its shutdown ends the job.
      }
    });
  }

  /**
   * The function of {@code job}, ready with {@code results}: its own, or the one registered under
   * its name. Null if there is none to run now: the job waits for its name ({@link Combiners#park}),
   * ended meanwhile, or fails here (its name not registered, an upstream's result no longer kept).
   */
  private Combiner functionOf(JobRecord job, List<Map<String, Object>> results) {
    Effects effects = new Effects();
    Combiner function = null;
    synchronized (lock) {
      if (job.status != JobStatus.WAITING) {
        return null; // ended meanwhile: cancelled, past its deadline, shut down
      }
      if (results.size() < job.options.after().size()) {
        // Read back after a restart without an upstream that the history or the retention let go.
        String why = (job.options.after().size() - results.size()) + " of its upstreams' results are no longer kept";
        end(job, Ending.failed(Map.of("error", "combine-failed", "message", why),
            new TaskFailure(Reason.COMBINE_FAILED, why)), effects);
      } else if (job.combinerName == null) {
        function = job.combiner;
      } else {
        function = combiners.get(job.combinerName);
        if (function == null && !combiners.park(job, results)) {
          end(job, Combiners.notRegistered(job, null), effects);
        }
      }
    }
    effects.run();
    return function;
  }

  /** On a callback thread: runs a combined job's function, then completes it, or queues its combination as a task. */
  private void combineNow(JobRecord job, List<Map<String, Object>> results) {
    Combiner function = functionOf(job, results);
    if (function == null) {
      return;
    }
    Map<String, Object> combination = null;
    Throwable error = null;
    try {
      Map<String, Object> out = function.combine(Collections.unmodifiableList(results));
      if (out == null) {
        throw new IllegalStateException("the function returned null, not a JSON object");
      }
      combination = Collections.unmodifiableMap(new LinkedHashMap<>(out));
    } catch (Exception | Error e) {
      error = e;
    }
    Effects effects = new Effects();
    synchronized (lock) {
      if (job.status != JobStatus.WAITING) {
        return; // ended meanwhile: cancelled, past its deadline, shut down
      }
      if (error != null) {
        String why = LogSafe.escape(String.valueOf(error));
        end(job, Ending.failed(Map.of("error", "combine-failed", "message", why),
            new TaskFailure(Reason.COMBINE_FAILED, "its function threw " + why)), effects);
      } else if (job.combineAsTask) {
        Changes changes = new Changes();
        store.combined(job, combination, changes);
        apply(changes, effects);
      } else {
        end(job, Ending.completed(combination, "combined on the master"), effects);
      }
      dispatch.promote(effects);
    }
    effects.run();
    if (error != null) {
      log.warn("The function of combined job {} threw", job.id, error);
    }
  }

  // Timers.

  private void deadlinePassed(JobRecord job) {
    Effects effects = new Effects();
    synchronized (lock) {
      end(job, Ending.failed(Map.of("error", "deadline"), new TaskFailure(Reason.DEADLINE,
          "not final within its deadline of " + job.options.deadline().toMillis() + " ms")).stoppingAttempt(), effects);
    }
    effects.run();
  }

  private void queueTimedOut(JobRecord job) {
    Effects effects = new Effects();
    synchronized (lock) {
      if (job.status == JobStatus.QUEUED && job.attemptCount() == 0) {
        end(job, Ending.failed(Map.of("error", "queue-timeout"), new TaskFailure(Reason.QUEUE_TIMEOUT,
            "not dispatched within " + job.options.queueTimeout().toMillis() + " ms")), effects);
      }
    }
    effects.run();
  }

  private void backoffOver(JobRecord job) {
    Effects effects = new Effects();
    synchronized (lock) {
      timers.backoffOver(job);
      if (!store.backoffOver(job)) {
        return;
      }
      dispatch.promote(effects);
    }
    effects.run();
  }
}
