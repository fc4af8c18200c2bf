package dev.taskwire.master.scheduler;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Map;

/**
 * Something that happened in the scheduler, as {@link SchedulerListener}s and the admin API's event
 * stream get it. Fields that do not apply to a type are null.
 *
 * @param type what happened
 * @param time when
 * @param job the job's id; null for EMPTY and the connection events
 * @param group the job's group; null where {@code job} is
 * @param connection the connection's name: of the attempt (DISPATCHED, RETRYING after an attempt),
 *     or the connection that became live or ended
 * @param attempt the attempt's number (DISPATCHED, and RETRYING, COMPLETED, FAILED after one)
 * @param task the attempt's wire id (DISPATCHED)
 * @param reason a {@link dev.taskwire.master.TaskFailure.Reason} name: why it is retrying or failed
 * @param message one line for people
 * @param progress the progress its slave reported (PROGRESS)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SchedulerEvent(Type type, Instant time, String job, String group, String connection, Integer attempt,
    String task, String reason, String message, Map<String, Object> progress) {

  /** An event without progress. */
  public SchedulerEvent(Type type, Instant time, String job, String group, String connection, Integer attempt,
      String task, String reason, String message) {
    this(type, time, job, group, connection, attempt, task, reason, message, null);
  }

  /** The kinds of event. */
  public enum Type {
    /** A job was accepted into the queue. */
    SUBMITTED,
    /** A job's attempt was handed to a connection. */
    DISPATCHED,
    /** A job's attempt ended in a reason its policy retries; it is queued again (after a backoff). */
    RETRYING,
    /** A job completed. Final. */
    COMPLETED,
    /** A job failed. Final. */
    FAILED,
    /** A job was cancelled. Final. */
    CANCELLED,
    /**
     * Every job submitted is final: nothing queued, nothing running (the moment a batch is done).
     * An attempt of a cancelled job may still be stopping on its slave.
     */
    EMPTY,
    /** A running job's slave reported progress (the {@code progress} field); updates of a chatty job may be coalesced. */
    PROGRESS,
    /** A connection became live and may take jobs. */
    CONNECTION_LIVE,
    /** A connection ended. */
    CONNECTION_ENDED;

    /** Whether this type ends a job. */
    public boolean isFinal() {
      return this == COMPLETED || this == FAILED || this == CANCELLED;
    }
  }

  static SchedulerEvent ofJob(Type type, JobRecord job, String connection, Integer attempt, String task, String reason,
      String message) {
    return new SchedulerEvent(type, Instant.now(), job.id, job.options.group(), connection, attempt, task, reason,
        message);
  }

  static SchedulerEvent progress(JobRecord job, String connection, int attempt, Map<String, Object> progress) {
    return new SchedulerEvent(Type.PROGRESS, Instant.now(), job.id, job.options.group(), connection, attempt, null, null,
        null, progress);
  }

  static SchedulerEvent ofConnection(Type type, String connection) {
    return new SchedulerEvent(type, Instant.now(), null, null, connection, null, null, null, null);
  }

  static SchedulerEvent empty() {
    return new SchedulerEvent(Type.EMPTY, Instant.now(), null, null, null, null, null, null,
        "nothing queued, nothing running");
  }
}
