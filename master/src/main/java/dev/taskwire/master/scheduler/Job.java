package dev.taskwire.master.scheduler;

import dev.taskwire.master.Completion;
import dev.taskwire.master.ProgressCallback;
import dev.taskwire.master.SlaveConnection;
import dev.taskwire.master.Task;
import dev.taskwire.master.TaskCallback;
import dev.taskwire.master.TaskFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeoutException;

/**
 * A unit of work submitted to the {@link Scheduler}: data and {@link JobOptions}, one id for its
 * whole life, and one final result, delivered once. Each time it is sent to a slave is an {@link
 * Attempt}.
 *
 * <p>Callbacks run once each, in registration order, on a callback thread of the scheduler (never
 * under a lock); one that throws is logged and the others still run. {@code onComplete} callbacks
 * run for COMPLETED, {@code onFail} ones for FAILED and CANCELLED. A callback added after the job
 * finished runs at once on the adding thread (or right after the ones already queued). {@link
 * #join()} returns once the callbacks have run.
 */
public final class Job {
  private final Scheduler scheduler;
  private final String id;
  private final Map<String, Object> data;
  private final JobOptions options;
  private final long seq;
  private final long submittedAtMillis = System.currentTimeMillis();
  private final Completion<Job> completion;

  // Guarded by the scheduler's lock; status is volatile for reads without it.
  private volatile JobStatus status = JobStatus.QUEUED;
  private Map<String, Object> sentData; // what attempts send: data, with upstream results passed in; null while WAITING
  private List<String> downstreamIds; // jobs submitted to run after this one; null until one is
  List<Job> upstreams; // the jobs of options().after(), in order, until this job is final
  List<Job> pendingDownstreams; // downstreams that were waiting on this job, until it is final
  int upstreamsLeft; // upstreams not yet completed
  Combiner combiner; // a combined job's function; null for any other job
  boolean combineAsTask; // a combined job whose combination is sent to a slave as its data
  boolean cancelledByCaller; // ended by a cancel of a caller (its own, its group's, all), not by a slave
  private Map<String, Object> result;
  private TaskFailure failure;
  private long finishedAtMillis;
  private List<Attempt> attempts; // null until the first dispatch
  Task currentTask; // the attempt in flight, if any
  SlaveConnection lastConnection; // where the last attempt ran, avoided by a retry where possible
  boolean inQueue; // in the queue's lanes (not waiting for a backoff)
  ScheduledFuture<?> queueTimer; // the queue timeout, until the first dispatch
  ScheduledFuture<?> deadlineTimer;
  ScheduledFuture<?> retryTimer; // a backoff under way

  Job(Scheduler scheduler, String id, Map<String, Object> data, JobOptions options, long seq) {
    this.scheduler = scheduler;
    this.id = id;
    this.data = data;
    this.options = options;
    this.seq = seq;
    this.sentData = data;
    this.completion = new Completion<>(this, "job " + id, data, scheduler.callbackPool());
  }

  /** The job's id (a random UUID), the same for all its attempts. */
  public String id() {
    return id;
  }

  /** The data as submitted (every attempt sends this). */
  public Map<String, Object> data() {
    return data;
  }

  /**
   * The size of {@link #data()} written as JSON, in bytes: measured on the first call and kept, so
   * that an answer holding many jobs can be sized before it is built.
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
    return completion.resultJsonBytes();
  }

  /** The options it was submitted with. */
  public JobOptions options() {
    return options;
  }

  /** The current status. */
  public JobStatus status() {
    return status;
  }

  /** The result: the slave's, or Taskwire's for a job it ended (e.g. {@code {"cancelled": true}}); null until final. */
  public Map<String, Object> result() {
    synchronized (scheduler.lock) {
      return result;
    }
  }

  /** Why the job did not complete; null unless FAILED or CANCELLED. */
  public TaskFailure failure() {
    synchronized (scheduler.lock) {
      return failure;
    }
  }

  /** When it was submitted. */
  public Instant submittedAt() {
    return Instant.ofEpochMilli(submittedAtMillis);
  }

  /** When it reached its final status; null before. */
  public Instant finishedAt() {
    synchronized (scheduler.lock) {
      return finishedAtMillis == 0 ? null : Instant.ofEpochMilli(finishedAtMillis);
    }
  }

  /** Its attempts so far, the first first (a snapshot). */
  public List<Attempt> attempts() {
    synchronized (scheduler.lock) {
      return attempts == null ? List.of() : List.copyOf(attempts);
    }
  }

  /**
   * The data its attempts send: {@link #data()} with its upstreams' results passed in as its {@link
   * JobOptions#passing() passing mode} says (for a combined job sent to a slave, the combination);
   * null while it is WAITING.
   */
  public Map<String, Object> sentData() {
    synchronized (scheduler.lock) {
      return sentData;
    }
  }

  /** The ids of the jobs it runs after, in the order given ({@link JobOptions#after()}). */
  public List<String> upstreams() {
    return options.after();
  }

  /** The ids of the jobs submitted to run after this one, in the order they were submitted. */
  public List<String> downstreams() {
    synchronized (scheduler.lock) {
      return downstreamIds == null ? List.of() : List.copyOf(downstreamIds);
    }
  }

  /** Whether it is a combined job ({@link Scheduler#combine}), whose result is a function of its upstreams'. */
  public boolean isCombined() {
    return combiner != null;
  }

  /**
   * Why a QUEUED job is not running yet, e.g. {@code "waiting for a slave with labels [gpu]"}; null
   * when it is not QUEUED.
   */
  public String waitingFor() {
    return scheduler.waitingFor(this);
  }

  /** Adds a callback for a completed job; chainable. */
  public Job onComplete(TaskCallback callback) {
    completion.onComplete(callback);
    return this;
  }

  /**
   * Adds a callback for the progress of the job's attempts ({@link ProgressCallback}); chainable.
   * Progress and final callbacks run in order on a callback thread of the scheduler; every update
   * that arrived before the job was final (the latest of a burst at least) is delivered before its
   * final callbacks.
   */
  public Job onProgress(ProgressCallback callback) {
    completion.onProgress(callback);
    return this;
  }

  /** The latest progress its current (or last) attempt reported; null if none. */
  public Map<String, Object> progress() {
    return completion.progress();
  }

  /** Adds a callback for a job that failed or was cancelled; chainable. */
  public Job onFail(TaskCallback callback) {
    completion.onFail(callback);
    return this;
  }

  /**
   * Cancels the job: it becomes CANCELLED at once ({@code onFail} callbacks run with {@code
   * {"cancelled": true}}). A queued job is never sent; a running one's slave is asked to stop it
   * (see {@link Task#cancel()}).
   *
   * @return whether this call cancelled it (false if it was already final)
   */
  public boolean cancel() {
    return scheduler.cancel(this);
  }

  /**
   * Completes the job by hand with {@code result} (Dara's {@code set_result}, Temporal's async
   * completion): {@code onComplete} callbacks run with it, and a running attempt is cancelled.
   *
   * @return whether this call completed it (false if it was already final)
   */
  public boolean complete(Map<String, Object> result) {
    return scheduler.completeByHand(this, Objects.requireNonNull(result, "result == null"));
  }

  /** Waits until the job is final and its callbacks have run; returns this job. */
  public Job join() throws InterruptedException {
    return completion.join();
  }

  /**
   * Waits at most {@code timeout} for {@link #join()}.
   *
   * @throws TimeoutException if the job is not final within {@code timeout}
   */
  public Job join(Duration timeout) throws InterruptedException, TimeoutException {
    return completion.join(timeout, this::status);
  }

  /** A future completed with this job once it is final and its callbacks have run. */
  public CompletableFuture<Job> future() {
    return completion.future();
  }

  @Override
  public String toString() {
    return "Job{" + id + ", " + status + "}";
  }

  // What the scheduler does under its lock.

  long seq() {
    return seq;
  }

  /** Under the scheduler's lock: the current attempt reported {@code update}; tells the progress callbacks. */
  void progressed(Map<String, Object> update) {
    completion.progress(update, true);
  }

  Completion<Job> completion() {
    return completion;
  }

  Map<String, Object> sendData() {
    return sentData;
  }

  void sentData(Map<String, Object> data) {
    this.sentData = data;
  }

  /** The key a downstream nests this job's result under: its name, or its id. */
  String key() {
    return options.name() != null ? options.name() : id;
  }

  /** {@code downstream} runs after this job, which is not final: it is told when this one ends. */
  void addDownstream(Job downstream) {
    if (pendingDownstreams == null) {
      pendingDownstreams = new ArrayList<>(2);
    }
    pendingDownstreams.add(downstream);
    noteDownstream(downstream);
  }

  /** Records {@code downstream} for {@link #downstreams()} only: this job had completed already. */
  void noteDownstream(Job downstream) {
    if (downstreamIds == null) {
      downstreamIds = new ArrayList<>(2);
    }
    downstreamIds.add(downstream.id());
  }

  /** Whether a downstream other than {@code except} waits on this job and is not final. */
  boolean neededByOtherThan(Job except) {
    if (pendingDownstreams != null) {
      for (Job downstream : pendingDownstreams) {
        if (downstream != except && !downstream.status().isFinal()) {
          return true;
        }
      }
    }
    return false;
  }

  int attemptCount() {
    return attempts == null ? 0 : attempts.size();
  }

  Attempt attempt(int number) {
    return attempts.get(number - 1);
  }

  Attempt lastAttempt() {
    return attempts == null || attempts.isEmpty() ? null : attempts.get(attempts.size() - 1);
  }

  void status(JobStatus status) {
    this.status = status;
  }

  void addAttempt(Attempt attempt) {
    if (attempts == null) {
      attempts = new ArrayList<>(2);
    }
    attempts.add(attempt);
  }

  /** Replaces the attempt numbered {@code number}: it ended. */
  void attemptEnded(Attempt ended) {
    attempts.set(ended.number() - 1, ended);
  }

  /** Forgets the last attempt: it did not count (the slave was busy, the connection gone before sending). */
  void dropLastAttempt() {
    attempts.remove(attempts.size() - 1);
  }

  /**
   * Records the final state and returns the callbacks to run (deliver them off the lock with
   * {@link Completion#deliver}); null if it was already final.
   */
  Completion.Sealed finish(JobStatus finalStatus, Map<String, Object> outcome, TaskFailure why) {
    if (status.isFinal()) {
      return null;
    }
    status = finalStatus;
    result = outcome;
    failure = why;
    finishedAtMillis = System.currentTimeMillis();
    currentTask = null;
    lastConnection = null; // an ended connection is not kept alive by the jobs it ran
    inQueue = false;
    queueTimer = cancel(queueTimer);
    deadlineTimer = cancel(deadlineTimer);
    retryTimer = cancel(retryTimer);
    return completion.seal(finalStatus == JobStatus.COMPLETED, outcome);
  }

  /** Cancels {@code timer} if there is one; returns null, for the field. */
  static ScheduledFuture<?> cancel(ScheduledFuture<?> timer) {
    if (timer != null) {
      timer.cancel(false);
    }
    return null;
  }
}
