package dev.taskwire.master.scheduler;

import dev.taskwire.master.TaskFailure;
import dev.taskwire.master.TaskStatus;
import java.time.Instant;

/**
 * One time a job was sent to a slave: one protocol task with its own wire id on one connection.
 *
 * @param number 1 for the first attempt
 * @param connection the name of the connection it was sent on
 * @param taskId the wire id of its task
 * @param dispatchedAt when it was handed to the connection
 * @param finishedAt when it ended; null while it runs
 * @param outcome the task's final status; null while it runs
 * @param failure why it did not complete; null while it runs and when it completed
 */
public record Attempt(int number, String connection, String taskId, Instant dispatchedAt, Instant finishedAt,
    TaskStatus outcome, TaskFailure failure) {

  /** Whether it is still in flight. */
  public boolean isRunning() {
    return outcome == null;
  }

  Attempt ended(TaskStatus status, TaskFailure why) {
    return new Attempt(number, connection, taskId, dispatchedAt, Instant.now(), status, why);
  }
}
