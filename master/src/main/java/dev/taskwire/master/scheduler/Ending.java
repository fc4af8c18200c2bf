package dev.taskwire.master.scheduler;

import dev.taskwire.master.TaskFailure;
import java.util.Map;

/**
 * How a job ends: what {@link JobStore#end} records, and what the scheduler does about it once the
 * store has (its final event, its callbacks, a running attempt stopped).
 *
 * @param status the final status
 * @param result the job's result: the slave's, or Taskwire's for a job it ended
 * @param failure why it did not complete; null for COMPLETED
 * @param stopAttempt whether a running attempt is stopped (its slave asked to stop it)
 * @param message the final event's message; null for the failure's message
 * @param byCaller ended by a caller's cancel (its own, its group's, all): spreads as a cancel, not
 *     as UPSTREAM_FAILED
 */
record Ending(JobStatus status, Map<String, Object> result, TaskFailure failure, boolean stopAttempt, String message,
    boolean byCaller) implements Verdict {
  /** The result of a cancelled job. */
  static final Map<String, Object> CANCELLED_RESULT = Map.of("cancelled", true);

  Ending {
    if (!status.isFinal()) {
      throw new IllegalArgumentException("a job ends in a final status, not " + status);
    }
  }

  /** Completed with {@code result}; {@code message} for its event (null for none). */
  static Ending completed(Map<String, Object> result, String message) {
    return new Ending(JobStatus.COMPLETED, result, null, false, message, false);
  }

  /** Failed with {@code result}, for {@code why}. */
  static Ending failed(Map<String, Object> result, TaskFailure why) {
    return new Ending(JobStatus.FAILED, result, why, false, null, false);
  }

  /** Cancelled by a caller's cancel, or by one that spread to it, for {@code why}. */
  static Ending cancelledByCaller(String why) {
    return new Ending(JobStatus.CANCELLED, CANCELLED_RESULT, new TaskFailure(TaskFailure.Reason.CANCELLED, why), true,
        null, true);
  }

  /** This ending, stopping a running attempt too. */
  Ending stoppingAttempt() {
    return new Ending(status, result, failure, true, message, byCaller);
  }

  /** The message of its event: the one given, else the failure's. */
  String eventMessage() {
    return message != null ? message : failure == null ? null : failure.message();
  }
}
