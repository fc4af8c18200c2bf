package dev.taskwire.master;

import java.util.Map;

/**
 * Why a task did not complete: a machine-readable {@link Reason} and details for people.
 *
 * @param reason what ended the task
 * @param message one line for logs and users
 */
public record TaskFailure(Reason reason, String message) {
  /** What ended a task without a result. */
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
    CANCELLED
  }

  /** The result Taskwire gives a task it ended itself, e.g. {@code {"error": "connection-lost", ...}}. */
  static Map<String, Object> result(String error, String connection) {
    return Map.of("error", error, "connection", connection);
  }
}
