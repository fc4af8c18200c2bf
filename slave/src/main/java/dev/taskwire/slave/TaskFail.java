package dev.taskwire.slave;

import java.util.Map;

/** Thrown by a {@link TaskProcessor} for an expected failure; {@link #result()} is reported to the master. */
public class TaskFail extends RuntimeException {
  private final Map<String, Object> result;

  /** A failure reported with {@code result}; {@code message} is for the slave's log. */
  public TaskFail(Map<String, Object> result, String message) {
    super(message == null ? "Task process failed." : "Task process failed - " + message + ".");
    this.result = result == null ? Map.of() : result;
  }

  /** A failure reported with {@code result}. */
  public TaskFail(Map<String, Object> result) {
    this(result, null);
  }

  /** What the master receives as the failure result; never null. */
  public Map<String, Object> result() {
    return result;
  }
}
