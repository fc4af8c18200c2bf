package dev.taskwire.slave;

import java.util.Map;

/**
 * Thrown by the before-task hook to refuse a master's {@code /task/new}: the master receives
 * {@code TASK_REFUSED} (602, HTTP 403) with {@link #data()} as the envelope's data.
 */
public class TaskRefused extends HookRefusal {
  /** A refusal answered with {@code data}. */
  public TaskRefused(Map<String, Object> data) {
    super("task refused", data);
  }

  /** A refusal with empty data. */
  public TaskRefused() {
    this(Map.of());
  }
}
