package dev.taskwire.slave;

import java.util.Map;

/**
 * Thrown by the before-task hook to refuse a master's {@code /task/new}: the master receives
 * {@code TASK_REFUSED} (602, HTTP 403) with {@link #data()} as the envelope's data.
 */
public class TaskRefused extends RuntimeException {
  private final Map<String, Object> data;

  /** A refusal answered with {@code data}. */
  public TaskRefused(Map<String, Object> data) {
    super("task refused");
    this.data = data == null ? Map.of() : data;
  }

  /** A refusal with empty data. */
  public TaskRefused() {
    this(Map.of());
  }

  /** The data sent back to the master; never null. */
  public Map<String, Object> data() {
    return data;
  }
}
