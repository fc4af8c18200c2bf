package dev.taskwire.slave;

import java.util.Map;

/**
 * A {@link TaskProcessor} that also gets the task's {@link TaskContext}: its id, and a way to
 * report progress while it runs. Give it to {@link Slave.Builder#processor(ContextualTaskProcessor)}
 * like a plain processor:
 *
 * <pre>{@code
 * Slave.builder().processor((task, data) -> {
 *   for (int step = 1; step <= 10; step++) {
 *     work(data, step);
 *     task.progress(Map.of("done", step, "total", 10));
 *   }
 *   return Map.of("steps", 10);
 * });
 * }</pre>
 *
 * <p>Everything {@link TaskProcessor} says about results, failures and interruption holds here.
 * Called through {@link #process(Map)} (outside a slave), it runs with {@link
 * TaskContext#detached(String)} {@code ("detached")}.
 */
@FunctionalInterface
public interface ContextualTaskProcessor extends TaskProcessor {
  /** Processes {@code data} of the task {@code task} describes; a null return is reported as {@code {}}. */
  Map<String, Object> process(TaskContext task, Map<String, Object> data) throws Exception;

  /** Runs {@link #process(TaskContext, Map)} with a detached context: progress goes nowhere. */
  @Override
  default Map<String, Object> process(Map<String, Object> data) throws Exception {
    return process(TaskContext.detached("detached"), data);
  }
}
