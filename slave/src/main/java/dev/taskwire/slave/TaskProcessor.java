package dev.taskwire.slave;

import java.util.Map;

/**
 * Runs one task: takes the task data the master sent and returns the result to report.
 *
 * <p>Throw {@link TaskFail} for an expected failure; its result is reported through {@code
 * /slave/task/fail}. Any other exception is reported the same way as {@code {"error": <exception
 * class>, "message": <message>}}. A processor that may run long should respond to interruption:
 * a timeout or a shutdown interrupts its thread. Up to {@code slots} calls run at once.
 *
 * <p>To report progress while it runs, implement {@link ContextualTaskProcessor} instead: it gets
 * the task's {@link TaskContext} too.
 */
@FunctionalInterface
public interface TaskProcessor {
  /** Processes {@code data}; a null return is reported as {@code {}}. */
  Map<String, Object> process(Map<String, Object> data) throws Exception;
}
