package dev.taskwire.master.bench;

import dev.taskwire.common.util.SlotWorkers;
import dev.taskwire.master.SlaveConnection;
import dev.taskwire.master.Task;
import dev.taskwire.master.TaskStatus;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;

/**
 * Runs a number of tasks through connections, keeping each slot of each slave busy ({@link
 * SlotWorkers}: one thread per slot sends a task, waits for its result, and sends the next). Measures each task's
 * latency from {@code start()} to the end of its callbacks. Used by the demo and the benchmark.
 */
public final class LoadRunner {
  /** The longest a worker waits for one task before counting it as not final. */
  public static final Duration TASK_WAIT = Duration.ofSeconds(60);

  private LoadRunner() {}

  /** What a run measured. */
  public record Result(int submitted, int completed, int failed, int startFailed, int notFinal,
      Percentiles latencyNanos, long elapsedNanos, long cpuNanos) {
    /** Tasks that reached a final state, per second of wall time. */
    public double tasksPerSecond() {
      return elapsedNanos == 0 ? 0 : (completed + failed + startFailed) * 1e9 / elapsedNanos;
    }

    /** Whether every task reached a final state. */
    public boolean allFinal() {
      return notFinal == 0 && completed + failed + startFailed == submitted;
    }
  }

  /**
   * Runs {@code total} tasks, task {@code i} carrying {@code data.apply(i)}, over {@code
   * connections} with as many tasks in flight on each as it has slots. {@code progress} is told
   * the index of each task that ends (from worker threads).
   */
  public static Result run(List<SlaveConnection> connections, int total, IntFunction<Map<String, Object>> data,
      IntConsumer progress) throws InterruptedException {
    AtomicInteger completed = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicInteger startFailed = new AtomicInteger();
    AtomicInteger notFinal = new AtomicInteger();
    AtomicLongArray latencies = new AtomicLongArray(total);
    AtomicInteger measured = new AtomicInteger();
    List<SlaveConnection> slotOwners = new ArrayList<>(); // one entry per slot: its connection
    for (SlaveConnection connection : connections) {
      for (int slot = 0; slot < connection.slots(); slot++) {
        slotOwners.add(connection);
      }
    }
    long cpuBefore = processCpuNanos();
    long startNanos = System.nanoTime();
    try {
      SlotWorkers.run("taskwire-load", slotOwners.size(), total, (slot, i) -> {
        long t0 = System.nanoTime();
        try {
          Task task = slotOwners.get(slot).newTask(data.apply(i)).start().join(TASK_WAIT);
          latencies.set(measured.getAndIncrement(), System.nanoTime() - t0);
          (task.status() == TaskStatus.COMPLETED ? completed : failed).incrementAndGet();
        } catch (TimeoutException e) {
          notFinal.incrementAndGet();
        } catch (InterruptedException e) {
          throw e;
        } catch (Exception e) {
          startFailed.incrementAndGet();
        }
        progress.accept(i);
      });
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("a load worker failed", e); // the work above catches all but interrupts
    }
    long elapsed = System.nanoTime() - startNanos;
    long[] values = new long[measured.get()];
    for (int i = 0; i < values.length; i++) {
      values[i] = latencies.get(i);
    }
    return new Result(total, completed.get(), failed.get(), startFailed.get(), notFinal.get(),
        new Percentiles(values), elapsed, processCpuNanos() - cpuBefore);
  }

  /** CPU time this JVM has used, all threads, or 0 where the platform does not tell. */
  public static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return Math.max(0, os.getProcessCpuTime());
    }
    return 0;
  }
}
