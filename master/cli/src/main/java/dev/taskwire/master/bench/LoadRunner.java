package dev.taskwire.master.bench;

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
 * Runs a number of tasks through connections, keeping each slot of each slave busy: one worker
 * thread per slot sends a task, waits for its result, and sends the next. Measures each task's
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
    AtomicInteger next = new AtomicInteger();
    AtomicInteger completed = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicInteger startFailed = new AtomicInteger();
    AtomicInteger notFinal = new AtomicInteger();
    AtomicLongArray latencies = new AtomicLongArray(total);
    AtomicInteger measured = new AtomicInteger();
    List<Thread> workers = new ArrayList<>();
    long cpuBefore = processCpuNanos();
    long startNanos = System.nanoTime();
    int workerId = 0;
    for (SlaveConnection connection : connections) {
      for (int slot = 0; slot < connection.slots(); slot++) {
        Thread worker = new Thread(() -> {
          for (int i = next.getAndIncrement(); i < total; i = next.getAndIncrement()) {
            long t0 = System.nanoTime();
            try {
              Task task = connection.newTask(data.apply(i)).start().join(TASK_WAIT);
              latencies.set(measured.getAndIncrement(), System.nanoTime() - t0);
              (task.status() == TaskStatus.COMPLETED ? completed : failed).incrementAndGet();
            } catch (TimeoutException e) {
              notFinal.incrementAndGet();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return;
            } catch (Exception e) {
              startFailed.incrementAndGet();
            }
            progress.accept(i);
          }
        }, "taskwire-load-" + connection.name() + "-" + (workerId++));
        workers.add(worker);
        worker.start();
      }
    }
    for (Thread worker : workers) {
      worker.join();
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
