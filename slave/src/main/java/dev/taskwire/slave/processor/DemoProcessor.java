package dev.taskwire.slave.processor;

import dev.taskwire.slave.ContextualTaskProcessor;
import dev.taskwire.slave.TaskContext;
import dev.taskwire.slave.TaskFail;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;

/**
 * The built-in processor for demos, tests and benchmarks: {@code {"a": 2, "b": 3}} gives {@code
 * {"sum": 5}}.
 *
 * <ul>
 *   <li>{@code a} or {@code b} missing or not a number fails the task, saying which.
 *   <li>{@code "sleepMs": N} sleeps N ms first (interruptible); with {@code "steps": K} (1 to 1,000)
 *       in K steps, reporting progress {@code {"done": k, "total": K}} after each.
 *   <li>{@code "fail": true} fails the task with {@code {"error": "requested failure"}}.
 * </ul>
 *
 * Integers add exactly (as a long, or a big integer past its range); any decimal makes the sum a
 * double.
 */
public final class DemoProcessor implements ContextualTaskProcessor {
  /** The most steps a task may ask for. */
  public static final int MAX_STEPS = 1_000;

  @Override
  public Map<String, Object> process(TaskContext task, Map<String, Object> data) throws InterruptedException {
    long sleepMs = data.get("sleepMs") instanceof Number sleep ? Math.max(0, sleep.longValue()) : 0;
    int steps = data.get("steps") instanceof Number n ? (int) Math.max(1, Math.min(MAX_STEPS, n.longValue())) : 0;
    if (steps > 0) {
      for (int step = 1; step <= steps; step++) {
        Thread.sleep(sleepMs / steps);
        task.progress(Map.of("done", step, "total", steps));
      }
    } else if (sleepMs > 0) {
      Thread.sleep(sleepMs);
    }
    if (Boolean.TRUE.equals(data.get("fail"))) {
      throw new TaskFail(Map.of("error", "requested failure"), "the task asked to fail");
    }
    Number a = number(data, "a");
    Number b = number(data, "b");
    return Map.of("sum", sum(a, b));
  }

  private static Number number(Map<String, Object> data, String key) {
    Object value = data.get(key);
    if (value == null) {
      throw new TaskFail(Map.of("error", "'" + key + "' is missing"), key + " missing");
    }
    if (!(value instanceof Number number)) {
      throw new TaskFail(Map.of("error", "'" + key + "' is not a number"), key + " not a number");
    }
    return number;
  }

  private static Number sum(Number a, Number b) {
    if (isDecimal(a) || isDecimal(b)) {
      return a.doubleValue() + b.doubleValue();
    }
    BigInteger exact = new BigDecimal(a.toString()).toBigInteger().add(new BigDecimal(b.toString()).toBigInteger());
    return exact.bitLength() < 64 ? (Number) exact.longValue() : exact;
  }

  private static boolean isDecimal(Number n) {
    return n instanceof Double || n instanceof Float || n instanceof BigDecimal;
  }
}
