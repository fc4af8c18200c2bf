package dev.taskwire.master;

import dev.taskwire.common.protocol.TaskId;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;

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
 * and nobody waiting on it is done without a trip to a result thread. (All of this is its {@link
 * Completion}'s, shared with the scheduler's jobs.) Its timeout and lease are watched by its
 * connection's tasks in flight.
 */
public final class Task {
  private final SlaveConnection connection;
  private final TasksInFlight inFlight;
  private final TaskId id;
  private final Map<String, Object> data;
  private final Instant createdAt = Instant.now();
  private final Completion<Task> completion;

  private final Object lock = new Object();
  // Guarded by lock:
  private TaskStatus status = TaskStatus.IDLE;
  private Map<String, Object> result;
  private TaskFailure failure;
  private Instant startedAt;
  private Instant finishedAt;
  private Duration timeout; // null: the connection's default
  private Duration lease; // null: none
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

  Task(SlaveConnection connection, TasksInFlight inFlight, Map<String, Object> data, Executor callbackExecutor) {
    this(connection, inFlight, data, callbackExecutor, TaskId.random());
  }

  /** A task with the wire id {@code id}: one a slave still ran across a master restart, taken up. */
  Task(SlaveConnection connection, TasksInFlight inFlight, Map<String, Object> data, Executor callbackExecutor,
      TaskId id) {
    this.id = id;
    this.connection = connection;
    this.inFlight = inFlight;
    // Not Map.copyOf: JSON data may hold nulls.
    this.data = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(data, "data == null")));
    this.completion = new Completion<>(this, "task", id.value(), this.data, callbackExecutor);
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
    return completion.dataJsonBytes();
  }

  /**
   * The size of {@link #result()} written as JSON, in bytes (4, for {@code null}, until final):
   * measured once final and kept.
   *
   * @throws IllegalArgumentException if Jackson cannot write the result
   */
  public long resultJsonBytes() {
    return completion.resultJsonBytes(() -> status().isFinal(), this::result);
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
    completion.onComplete(callback);
    return this;
  }

  /** Adds a callback for a failed task (reported by the slave or ended by Taskwire); chainable. */
  public Task onFail(TaskCallback callback) {
    completion.onFail(callback);
    return this;
  }

  /**
   * Adds a callback for the task's progress ({@link ProgressCallback}), from a slave that announced
   * the {@code progress} extension; chainable. Progress callbacks and the final callbacks run in
   * order on a result thread: every update that arrived before the task was final is delivered
   * (the latest of a burst at least) before its final callbacks run.
   */
  public Task onProgress(ProgressCallback callback) {
    completion.onProgress(callback);
    return this;
  }

  /** The latest progress the slave reported for this task; null if none (yet). */
  public Map<String, Object> progress() {
    return completion.progress();
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
    return inFlight.cancel(this);
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
    return completion.join();
  }

  /**
   * Waits at most {@code timeout} for {@link #join()}.
   *
   * @throws TimeoutException if the task is not final within {@code timeout}
   */
  public Task join(Duration timeout) throws InterruptedException, TimeoutException {
    return completion.join(timeout, this::status);
  }

  /** A future completed with this task once it is final and its callbacks have run. */
  public CompletableFuture<Task> future() {
    return completion.future();
  }

  /** Marks the task accepted by the slave, unless a report already finished it. */
  /** A task taken up from a slave that still runs it (extension "adopt"): started, never sent from here. */
  void markAdopted() {
    synchronized (lock) {
      if (status == TaskStatus.IDLE) {
        status = TaskStatus.STARTED;
      }
    }
  }

  void markStarted() {
    synchronized (lock) {
      if (status == TaskStatus.STARTING) {
        status = TaskStatus.STARTED;
      }
    }
  }

  /** Ends a task that was not accepted; no callbacks run (start() tells the caller). */
  void markStartFailed(String message) {
    markStartFailed(message, null);
  }

  /** {@link #markStartFailed(String)}, running {@code whenFinal} (if not null) before {@code join()} returns. */
  void markStartFailed(String message, Runnable whenFinal) {
    Completion.Sealed sealed;
    synchronized (lock) {
      if (status.isFinal()) {
        return;
      }
      status = TaskStatus.START_FAILED;
      failure = new TaskFailure(TaskFailure.Reason.START_FAILED, message);
      finishedAt = Instant.now();
      sealed = completion.sealDropped();
    }
    if (whenFinal != null) {
      whenFinal.run();
    }
    completion.deliver(sealed);
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

  /**
   * The slave reported {@code update}: kept as the latest; the progress callbacks told now if the
   * last was told {@link #PROGRESS_INTERVAL} ago or more, else held for {@link #tellHeldProgress()}
   * at its turn (the latest then). Its tasks in flight renew the lease.
   */
  ProgressTurn progress(Map<String, Object> update) {
    synchronized (lock) {
      if (status.isFinal()) {
        return ProgressTurn.IGNORED;
      }
      completion.progress(update, false);
      long now = System.nanoTime();
      if (progressHeld) {
        return ProgressTurn.HELD;
      }
      if (progressTold && now - progressToldNanos < PROGRESS_INTERVAL.toNanos()) {
        progressHeld = true;
        return ProgressTurn.HELD_FIRST;
      }
      progressTold = true;
      progressToldNanos = now;
    }
    completion.tell(update); // ignored if the task became final meanwhile: never after the final callbacks
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
    synchronized (lock) {
      if (!progressHeld || status.isFinal()) {
        return null;
      }
      progressHeld = false;
      progressToldNanos = System.nanoTime();
      held = completion.progress();
    }
    completion.tell(held);
    return held;
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
    TaskStatus before;
    Completion.Sealed sealed;
    synchronized (lock) {
      if (status.isFinal()) {
        return null;
      }
      before = status;
      status = finalStatus;
      result = outcome;
      failure = why;
      finishedAt = Instant.now();
      // onFail callbacks take FAILED and CANCELLED
      sealed = completion.seal(finalStatus == TaskStatus.COMPLETED, outcome);
    }
    if (whenFinal != null) {
      whenFinal.run();
    }
    completion.deliver(sealed);
    return before;
  }

  @Override
  public String toString() {
    return "Task{" + id + " on " + connection.name() + ", " + status() + "}";
  }
}
