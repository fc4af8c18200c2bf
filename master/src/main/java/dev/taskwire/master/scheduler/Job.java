package dev.taskwire.master.scheduler;

import dev.taskwire.master.Completion;
import dev.taskwire.master.ProgressCallback;
import dev.taskwire.master.Task;
import dev.taskwire.master.TaskCallback;
import dev.taskwire.master.TaskFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
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
 *
 * <p>A handle: the scheduler keeps the job's state (its status, attempts, outcome) in its store,
 * and this reads it there.
 */
public final class Job {
  private final Scheduler scheduler;
  private final JobRecord record;
  private final Completion<Job> completion;

  /** The handle of {@code record}, whose callbacks run on {@code callbacks}. */
  Job(Scheduler scheduler, JobRecord record, Executor callbacks) {
    this.scheduler = scheduler;
    this.record = record;
    this.completion = new Completion<>(this, "job", record.id, record.data, callbacks);
    record.handle = this;
  }

  /** The scheduler's record behind this handle. */
  JobRecord record() {
    return record;
  }

  /** The job's id (a random UUID), the same for all its attempts. */
  public String id() {
    return record.id;
  }

  /** The data as submitted (every attempt sends this). */
  public Map<String, Object> data() {
    return record.data;
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
    return completion.resultJsonBytes(() -> status().isFinal(), this::result);
  }

  /** The options it was submitted with. */
  public JobOptions options() {
    return record.options;
  }

  /** The current status. */
  public JobStatus status() {
    return record.status;
  }

  /** The result: the slave's, or Taskwire's for a job it ended (e.g. {@code {"cancelled": true}}); null until final. */
  public Map<String, Object> result() {
    synchronized (scheduler.lock) {
      return record.result;
    }
  }

  /** Why the job did not complete; null unless FAILED or CANCELLED. */
  public TaskFailure failure() {
    synchronized (scheduler.lock) {
      return record.failure;
    }
  }

  /** When it was submitted. */
  public Instant submittedAt() {
    return Instant.ofEpochMilli(record.submittedAtMillis);
  }

  /** When it reached its final status; null before. */
  public Instant finishedAt() {
    synchronized (scheduler.lock) {
      return record.finishedAtMillis == 0 ? null : Instant.ofEpochMilli(record.finishedAtMillis);
    }
  }

  /** Its attempts so far, the first first (a snapshot). */
  public List<Attempt> attempts() {
    synchronized (scheduler.lock) {
      return record.attempts == null ? List.of() : List.copyOf(record.attempts);
    }
  }

  /**
   * The data its attempts send: {@link #data()} with its upstreams' results passed in as its {@link
   * JobOptions#passing() passing mode} says (for a combined job sent to a slave, the combination);
   * null while it is WAITING.
   */
  public Map<String, Object> sentData() {
    synchronized (scheduler.lock) {
      return record.sentData;
    }
  }

  /** The ids of the jobs it runs after, in the order given ({@link JobOptions#after()}). */
  public List<String> upstreams() {
    return record.options.after();
  }

  /** The ids of the jobs submitted to run after this one, in the order they were submitted. */
  public List<String> downstreams() {
    synchronized (scheduler.lock) {
      return record.downstreamIds == null ? List.of() : List.copyOf(record.downstreamIds);
    }
  }

  /** Whether it is a combined job ({@link Scheduler#combine}), whose result is a function of its upstreams'. */
  public boolean isCombined() {
    return record.combined;
  }

  /**
   * Why a QUEUED job is not running yet, e.g. {@code "waiting for a slave with labels [gpu]"}; null
   * when it is not QUEUED.
   */
  public String waitingFor() {
    return scheduler.waitingFor(record);
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
    return scheduler.cancel(record);
  }

  /**
   * Completes the job by hand with {@code result} (Dara's {@code set_result}, Temporal's async
   * completion): {@code onComplete} callbacks run with it, and a running attempt is cancelled.
   *
   * @return whether this call completed it (false if it was already final)
   */
  public boolean complete(Map<String, Object> result) {
    return scheduler.completeByHand(record, Objects.requireNonNull(result, "result == null"));
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
    return "Job{" + record.id + ", " + record.status + "}";
  }

  /** Its callbacks, progress and future. */
  Completion<Job> completion() {
    return completion;
  }
}
