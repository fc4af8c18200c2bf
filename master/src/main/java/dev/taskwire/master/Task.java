package dev.taskwire.master;

import dev.taskwire.common.json.JsonSize;
import dev.taskwire.common.protocol.TaskId;
import dev.taskwire.common.util.LatestValueListeners;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task sent to a slave: made by {@link SlaveConnection#newTask(Map)}, sent by {@link #start()},
 * completed by the slave's report.
 *
 * <p>Callbacks run once each, in registration order, on a result-processing thread of the master
 * (never on an HTTP thread, never under a lock); one that throws is logged and the others still
 * run. {@code onComplete} callbacks run for COMPLETED, {@code onFail} ones for FAILED and CANCELLED;
 * a START_FAILED task runs none ({@code start()} told the caller). A callback added after the task
 * finished runs at once on the adding thread (on a result thread if the callbacks added before it
 * are still running). {@link #join()} returns once the callbacks have run; a task with no callbacks
 * and nobody waiting on it is done without a trip to a result thread.
 */
public final class Task {
  private static final Logger log = LoggerFactory.getLogger(Task.class);

  private final SlaveConnection connection;
  private final TaskId id = TaskId.random();
  private final Map<String, Object> data;
  private final Executor callbackExecutor;
  private final Instant createdAt = Instant.now();
  private final CompletableFuture<Task> done = new CompletableFuture<>();

  private final Object lock = new Object();
  // Guarded by lock:
  private TaskStatus status = TaskStatus.IDLE;
  private Map<String, Object> result;
  private TaskFailure failure;
  private Instant startedAt;
  private Instant finishedAt;
  private final List<Callback> callbacks = new ArrayList<>();
  private Duration timeout; // null: the connection's default
  private Duration lease; // null: none
  private Map<String, Object> progress; // the latest the slave reported; null before any
  // Null until a progress callback is added; then progress and final callbacks go through it, in order.
  private LatestValueListeners<Map<String, Object>> progressCallbacks;
  private volatile ScheduledFuture<?> timeoutFuture;
  private volatile ScheduledFuture<?> leaseFuture;
  private volatile long lastProgressNanos;
  private long progressToldNanos; // guarded by lock: when progress was last told (callbacks, events)
  private boolean progressTold; // guarded by lock: progress was told at least once
  private boolean progressHeld; // guarded by lock: the latest progress waits for its turn to be told

  /**
   * At most one progress of a task is told (its callbacks, the scheduler's PROGRESS event) per this
   * much time, the latest kept: a slave, or anyone who saw its token on a plain-http fleet, may send
   * thousands a second, and each told one becomes an event for every {@code watch} client.
   */
  static final Duration PROGRESS_INTERVAL = Duration.ofMillis(100);

  /** What became of a progress report: see {@link #progress(Map)}. */
  enum ProgressTurn {
    /** Told now: tell the connection's listeners too. */
    TOLD,
    /** Kept as the latest, to be told at its turn ({@link #nanosToProgressTurn()}): arm a timer for it. */
    HELD_FIRST,
    /** Kept as the latest; a timer is armed already. */
    HELD,
    /** The task is final: ignored. */
    IGNORED
  }
  // Sizes as JSON, measured when first asked (-1 until then) and kept: data never changes, nor a final result.
  private volatile long dataJsonBytes = -1;
  private volatile long resultJsonBytes = -1;

  private record Callback(boolean onComplete, TaskCallback callback) {}

  Task(SlaveConnection connection, Map<String, Object> data, Executor callbackExecutor) {
    this.connection = connection;
    // Not Map.copyOf: JSON data may hold nulls.
    this.data = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(data, "data == null")));
    this.callbackExecutor = callbackExecutor;
  }

  /** The id sent to the slave (a random UUID). */
  public TaskId id() {
    return id;
  }

  /** The task data as given to {@code newTask} (a before-new-task hook may send other data). */
  public Map<String, Object> data() {
    return data;
  }

  /**
   * The size of {@link #data()} written as JSON, in bytes: measured on the first call and kept, so
   * that an answer holding many tasks can be sized before it is built.
   *
   * @throws IllegalArgumentException if Jackson cannot write the data (a Java caller's own value)
   */
  public long dataJsonBytes() {
    long bytes = dataJsonBytes;
    if (bytes < 0) {
      bytes = JsonSize.of(data);
      dataJsonBytes = bytes;
    }
    return bytes;
  }

  /**
   * The size of {@link #result()} written as JSON, in bytes (4, for {@code null}, until final):
   * measured once final and kept.
   *
   * @throws IllegalArgumentException if Jackson cannot write the result
   */
  public long resultJsonBytes() {
    long bytes = resultJsonBytes;
    if (bytes >= 0) {
      return bytes;
    }
    Map<String, Object> now;
    boolean isFinal;
    synchronized (lock) {
      now = result;
      isFinal = status.isFinal();
    }
    bytes = JsonSize.of(now);
    if (isFinal) {
      resultJsonBytes = bytes;
    }
    return bytes;
  }

  /** The connection the task is sent through. */
  public SlaveConnection connection() {
    return connection;
  }

  /** The current status. */
  public TaskStatus status() {
    synchronized (lock) {
      return status;
    }
  }

  /** The slave's result (or Taskwire's, for a task it ended); null until the task is final. */
  public Map<String, Object> result() {
    synchronized (lock) {
      return result;
    }
  }

  /** Why the task did not complete; null while it runs and when it completed. */
  public TaskFailure failure() {
    synchronized (lock) {
      return failure;
    }
  }

  /** When the task was made. */
  public Instant createdAt() {
    return createdAt;
  }

  /** When {@code /task/new} was sent; null before. */
  public Instant startedAt() {
    synchronized (lock) {
      return startedAt;
    }
  }

  /** When the task reached its final status; null before. */
  public Instant finishedAt() {
    synchronized (lock) {
      return finishedAt;
    }
  }

  /** Adds a callback for a completed task; chainable. */
  public Task onComplete(TaskCallback callback) {
    return addCallback(new Callback(true, Objects.requireNonNull(callback, "callback == null")));
  }

  /** Adds a callback for a failed task (reported by the slave or ended by Taskwire); chainable. */
  public Task onFail(TaskCallback callback) {
    return addCallback(new Callback(false, Objects.requireNonNull(callback, "callback == null")));
  }

  /**
   * Adds a callback for the task's progress ({@link ProgressCallback}), from a slave that announced
   * the {@code progress} extension; chainable. Progress callbacks and the final callbacks run in
   * order on a result thread: every update that arrived before the task was final is delivered
   * (the latest of a burst at least) before its final callbacks run.
   */
  public Task onProgress(ProgressCallback callback) {
    Objects.requireNonNull(callback, "callback == null");
    synchronized (lock) {
      if (!status.isFinal()) {
        if (progressCallbacks == null) {
          progressCallbacks = new LatestValueListeners<>(callbackExecutor, "task " + id);
        }
        progressCallbacks.add(callback::onProgress);
      }
    }
    return this;
  }

  /** The latest progress the slave reported for this task; null if none (yet). */
  public Map<String, Object> progress() {
    synchronized (lock) {
      return progress;
    }
  }

  /**
   * A lease (Temporal's heartbeat timeout): the task fails with reason STALLED, and its slave is
   * asked to stop it, if its code reports no progress for {@code lease} (counted from its start,
   * then from each progress report). Only for a slave that announced {@code progress}: {@link
   * #start()} refuses a task with a lease on any other. {@link Duration#ZERO} for none (the
   * default). Chainable; only before {@code start()}.
   */
  public Task lease(Duration lease) {
    Objects.requireNonNull(lease, "lease == null");
    if (lease.isNegative()) {
      throw new IllegalArgumentException("lease < 0: " + lease);
    }
    synchronized (lock) {
      if (status != TaskStatus.IDLE) {
        throw new IllegalStateException("task " + id + " already started (status " + status + ")");
      }
      this.lease = lease.isZero() ? null : lease;
    }
    return this;
  }

  /**
   * Fails the task with reason TIMEOUT if it is not final {@code timeout} after {@link #start()};
   * a slave that announced {@code cancel} is then asked to stop it. Overrides the connection's
   * {@link SlaveConnection#taskTimeout(Duration) default}; {@link Duration#ZERO} for none.
   * Chainable; only before {@code start()}.
   */
  public Task timeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout == null");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout < 0: " + timeout);
    }
    synchronized (lock) {
      if (status != TaskStatus.IDLE) {
        throw new IllegalStateException("task " + id + " already started (status " + status + ")");
      }
      this.timeout = timeout;
    }
    return this;
  }

  /**
   * Cancels the task: it becomes CANCELLED at once (onFail callbacks run with {@code {"cancelled":
   * true}}, {@code join()} returns), and a slave that announced {@code cancel} is asked to stop it
   * (an {@code --exec} process is killed, the slot freed). With a reference slave the master only
   * stops waiting and ignores the late report.
   *
   * @return whether this call cancelled it (false if it was already final)
   */
  public boolean cancel() {
    return connection.cancel(this);
  }

  /**
   * Sends the task to the slave through the hooks; allowed once, from IDLE.
   *
   * @throws IllegalStateException if the task was already started
   * @throws dev.taskwire.common.protocol.SlaveResponseException if the slave refused it (the task
   *     is then START_FAILED)
   * @throws IOException if the slave could not be reached and the error hook rethrew
   */
  public Task start() throws IOException {
    synchronized (lock) {
      if (status != TaskStatus.IDLE) {
        throw new IllegalStateException("task " + id + " already started (status " + status + ")");
      }
      status = TaskStatus.STARTING;
      startedAt = Instant.now();
    }
    connection.send(this);
    return this;
  }

  /** Waits until the task is final and its callbacks have run; returns this task. */
  public Task join() throws InterruptedException {
    try {
      return done.get();
    } catch (ExecutionException e) {
      throw new AssertionError("the completion future never fails", e);
    }
  }

  /**
   * Waits at most {@code timeout} for {@link #join()}.
   *
   * @throws TimeoutException if the task is not final within {@code timeout}
   */
  public Task join(Duration timeout) throws InterruptedException, TimeoutException {
    try {
      return done.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("the completion future never fails", e);
    } catch (TimeoutException e) {
      throw new TimeoutException("task " + id + " not final within " + timeout.toMillis() + " ms (status " + status() + ")");
    }
  }

  /** A future completed with this task once it is final and its callbacks have run. */
  public CompletableFuture<Task> future() {
    return done.copy();
  }

  /** Marks the task accepted by the slave, unless a report already finished it. */
  void markStarted() {
    synchronized (lock) {
      if (status == TaskStatus.STARTING) {
        status = TaskStatus.STARTED;
        lastProgressNanos = System.nanoTime(); // a lease counts from here
      }
    }
  }

  /** Ends a task that was not accepted; no callbacks run (start() tells the caller). */
  void markStartFailed(String message) {
    markStartFailed(message, null);
  }

  /** {@link #markStartFailed(String)}, running {@code whenFinal} (if not null) before {@code join()} returns. */
  void markStartFailed(String message, Runnable whenFinal) {
    synchronized (lock) {
      if (status.isFinal()) {
        return;
      }
      status = TaskStatus.START_FAILED;
      failure = new TaskFailure(TaskFailure.Reason.START_FAILED, message);
      finishedAt = Instant.now();
    }
    if (whenFinal != null) {
      whenFinal.run();
    }
    done.complete(this);
  }

  /** The timeout given to {@link #timeout(Duration)}, or null to use the connection's. */
  Duration timeoutOrNull() {
    synchronized (lock) {
      return timeout;
    }
  }

  /** The lease given to {@link #lease(Duration)}, or null for none. */
  Duration leaseOrNull() {
    synchronized (lock) {
      return lease;
    }
  }

  /** When the slave last reported progress (or the task started), by {@link System#nanoTime()}. */
  long lastProgressNanos() {
    return lastProgressNanos;
  }

  void leaseFuture(ScheduledFuture<?> future) {
    this.leaseFuture = future;
    if (status().isFinal()) {
      future.cancel(false);
    }
  }

  /**
   * The slave reported {@code update}: kept as the latest and the lease renewed at once; the
   * progress callbacks told now if the last was told {@link #PROGRESS_INTERVAL} ago or more, else
   * held for {@link #tellHeldProgress()} at its turn (the latest then).
   */
  ProgressTurn progress(Map<String, Object> update) {
    LatestValueListeners<Map<String, Object>> listeners;
    synchronized (lock) {
      if (status.isFinal()) {
        return ProgressTurn.IGNORED;
      }
      progress = update;
      long now = System.nanoTime();
      lastProgressNanos = now;
      if (progressHeld) {
        return ProgressTurn.HELD;
      }
      if (progressTold && now - progressToldNanos < PROGRESS_INTERVAL.toNanos()) {
        progressHeld = true;
        return ProgressTurn.HELD_FIRST;
      }
      progressTold = true;
      progressToldNanos = now;
      listeners = progressCallbacks;
    }
    if (listeners != null) {
      listeners.offer(update); // ignored if the task became final meanwhile: never after the final callbacks
    }
    return ProgressTurn.TOLD;
  }

  /** How long until held progress may be told. */
  long nanosToProgressTurn() {
    synchronized (lock) {
      return Math.max(0, progressToldNanos + PROGRESS_INTERVAL.toNanos() - System.nanoTime());
    }
  }

  /**
   * Tells the progress callbacks of the held progress, if any and the task is not final yet;
   * returns it (for the connection's listeners), or null if there was none to tell.
   */
  Map<String, Object> tellHeldProgress() {
    Map<String, Object> held;
    LatestValueListeners<Map<String, Object>> listeners;
    synchronized (lock) {
      if (!progressHeld || status.isFinal()) {
        return null;
      }
      progressHeld = false;
      progressToldNanos = System.nanoTime();
      held = progress;
      listeners = progressCallbacks;
    }
    if (listeners != null) {
      listeners.offer(held);
    }
    return held;
  }

  void timeoutFuture(ScheduledFuture<?> future) {
    this.timeoutFuture = future;
    if (status().isFinal()) {
      future.cancel(false); // finished before the timer was armed
    }
  }

  /**
   * Records the final {@code outcome} and runs the callbacks on the result executor. Returns the
   * status it had before, or null (changing nothing) if it was already final.
   */
  TaskStatus finish(TaskStatus finalStatus, Map<String, Object> outcome, TaskFailure why) {
    return finish(finalStatus, outcome, why, null);
  }

  /**
   * {@link #finish(TaskStatus, Map, TaskFailure)}, running {@code whenFinal} (if not null and this
   * call finished the task) once the task is final and before its callbacks run: so that whoever it
   * tells (a dispatcher) knows before the caller's {@code join()} returns.
   */
  TaskStatus finish(TaskStatus finalStatus, Map<String, Object> outcome, TaskFailure why, Runnable whenFinal) {
    List<Callback> toRun;
    TaskStatus before;
    LatestValueListeners<Map<String, Object>> ordered;
    synchronized (lock) {
      if (status.isFinal()) {
        return null;
      }
      before = status;
      status = finalStatus;
      result = outcome;
      failure = why;
      finishedAt = Instant.now();
      toRun = List.copyOf(callbacks);
      callbacks.clear();
      ordered = progressCallbacks;
    }
    ScheduledFuture<?> timer = timeoutFuture;
    if (timer != null) {
      timer.cancel(false);
    }
    ScheduledFuture<?> leaseTimer = leaseFuture;
    if (leaseTimer != null) {
      leaseTimer.cancel(false);
    }
    if (whenFinal != null) {
      whenFinal.run();
    }
    if (ordered != null) {
      ordered.finish(() -> runCallbacks(toRun)); // after the progress deliveries queued before
      return before;
    }
    if (toRun.isEmpty() && done.getNumberOfDependents() == 0) {
      // Nothing to run and nobody waiting (a scheduler's attempt, say): no trip to a result thread.
      // A callback added from now on runs on a result thread all the same (addCallback).
      done.complete(this);
      return before;
    }
    try {
      callbackExecutor.execute(() -> runCallbacks(toRun));
    } catch (RejectedExecutionException stopped) {
      // The master has stopped its result threads; run them here rather than never.
      runCallbacks(toRun);
    }
    return before;
  }

  private void runCallbacks(List<Callback> toRun) {
    toRun.forEach(this::run);
    done.complete(this);
  }

  private Task addCallback(Callback callback) {
    synchronized (lock) {
      if (!status.isFinal() || status == TaskStatus.START_FAILED) {
        callbacks.add(callback); // a START_FAILED task runs none: start() told the caller
        return this;
      }
    }
    // After the callbacks already queued: at once on this thread if they have run, else right
    // after them on a result thread (never on the thread that finished the task: a report's).
    if (done.isDone()) {
      run(callback);
    } else {
      done.thenRunAsync(() -> run(callback), this::runOnResultThread);
    }
    return this;
  }

  private void runOnResultThread(Runnable action) {
    try {
      callbackExecutor.execute(action);
    } catch (RejectedExecutionException stopped) {
      action.run(); // the master has stopped its result threads: here rather than never
    }
  }

  private void run(Callback callback) {
    Map<String, Object> outcome;
    TaskStatus now;
    synchronized (lock) {
      outcome = result;
      now = status;
    }
    if (callback.onComplete() != (now == TaskStatus.COMPLETED)) {
      return; // onFail callbacks take FAILED and CANCELLED
    }
    try {
      callback.callback().accept(data, outcome);
    } catch (Exception | Error e) {
      log.error("Callback of task {} threw; the task's other callbacks still run", id, e);
    }
  }

  @Override
  public String toString() {
    return "Task{" + id + " on " + connection.name() + ", " + status() + "}";
  }
}
