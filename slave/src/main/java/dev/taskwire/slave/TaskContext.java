package dev.taskwire.slave;

import java.util.Map;
import java.util.Objects;

/**
 * What a {@link ContextualTaskProcessor} knows of the task it runs, and how it reports progress.
 *
 * <p>{@link #progress(Map)} is best effort and cheap: it never blocks on the network and never
 * throws (but for a null argument). Updates of one task reach the master at most one every 100 ms,
 * the latest winning; none goes after the task's report, and none at all to a master that did not
 * announce the {@code progress} extension (a reference master): there it does nothing.
 */
public interface TaskContext {
  /** The id the master gave this task. */
  String taskId();

  /**
   * Tells the master how far the task has got, e.g. {@code Map.of("done", 3, "total", 10)}: any
   * JSON object of the processor's choosing. The map is copied at once, so it may be changed or
   * reused afterwards. A value that cannot be written as JSON is logged and dropped.
   *
   * @throws NullPointerException if {@code progress} is null
   */
  void progress(Map<String, Object> progress);

  /**
   * A context not tied to any slave, whose {@link #progress(Map)} goes nowhere: for running or
   * testing a processor by hand.
   */
  static TaskContext detached(String taskId) {
    Objects.requireNonNull(taskId, "taskId == null");
    return new TaskContext() {
      @Override
      public String taskId() {
        return taskId;
      }

      @Override
      public void progress(Map<String, Object> progress) {
        Objects.requireNonNull(progress, "progress == null");
      }

      @Override
      public String toString() {
        return "detached context of task " + taskId;
      }
    };
  }
}
