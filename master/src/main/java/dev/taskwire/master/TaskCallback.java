package dev.taskwire.master;

import java.util.Map;

/** Called with a task's data and its result when it completes or fails. */
@FunctionalInterface
public interface TaskCallback {
  /**
   * Handles the outcome. Runs on a result-processing thread of the master; an exception is logged
   * and does not stop the task's other callbacks.
   */
  void accept(Map<String, Object> data, Map<String, Object> result) throws Exception;
}
