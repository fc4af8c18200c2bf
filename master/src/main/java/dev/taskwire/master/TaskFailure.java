package dev.taskwire.master;

import java.util.Map;

/**
 * Why a task did not complete: a machine-readable {@link Reason} and details for people.
 *
 * @param reason what ended the task
 * @param message one line for logs and users
 */
public record TaskFailure(Reason reason, String message) {
  /**
   * What ended a task without a result. The last three end only scheduler jobs ({@link
   * dev.taskwire.master.scheduler.Job}), never a connection's task; a job that failed otherwise
   * carries its last attempt's reason.
   */
  public enum Reason {
    /** The slave reported a failure through {@code /slave/task/fail}; the result is the slave's. */
    SLAVE_FAILED,
    /** The slave refused {@code /task/new} or could not be reached; status START_FAILED. */
    START_FAILED,
    /**
     * The connection ended while the task was in flight: dropped by the heartbeat check,
     * disconnected, or removed. Result {@code {"error": "connection-lost", "connection": NAME}}.
     */
    LOST,
    /** The master shut down while the task was in flight. Result {@code {"error": "shutdown"}}. */
    SHUTDOWN,
    /**
     * The task ran past its timeout. Result {@code {"error": "timeout", "connection": NAME}}; a slave
     * that announced {@code cancel} is asked to stop it.
     */
    TIMEOUT,
    /**
     * {@link Task#cancel()} ended it; status CANCELLED. Result {@code {"cancelled": true}}; a slave
     * that announced {@code cancel} is asked to stop it.
     */
    CANCELLED,
    /** A job waited in the queue longer than its queue timeout before its first dispatch. */
    QUEUE_TIMEOUT,
    /** A job was not final by its deadline, across all its attempts; a running attempt is cancelled. */
    DEADLINE,
    /**
     * A job's attempts all ended in a reason its policy retries, and no attempt is left; the message
     * names the last attempt's reason.
     */
    RETRIES_EXHAUSTED,
    /**
     * A job's upstream job ended without completing (FAILED, or CANCELLED other than by a caller's
     * cancel, which cancels its downstreams instead); the message names the upstream. Result
     * {@code {"error": "upstream-failed", "upstream": ID}}.
     */
    UPSTREAM_FAILED,
    /**
     * A combined job's function ({@code Scheduler.combine}) threw. Result {@code {"error":
     * "combine-failed", "message": ...}}.
     */
    COMBINE_FAILED,
    /**
     * The task reported no progress within its lease ({@code Task.lease}, a job's {@code lease}): its
     * code is presumed stuck on a live slave, which is asked to stop it. Result {@code {"error":
     * "stalled", "connection": NAME}}. The scheduler retries it at once, elsewhere where possible.
     */
    STALLED
  }

  /** The result Taskwire gives a task it ended itself, e.g. {@code {"error": "connection-lost", ...}}. */
  static Map<String, Object> result(String error, String connection) {
    return Map.of("error", error, "connection", connection);
  }
}
