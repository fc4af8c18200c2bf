package dev.taskwire.master.bench;

import dev.taskwire.common.util.SlotWorkers;
import dev.taskwire.master.SlaveConnection;
import dev.taskwire.master.Task;
import dev.taskwire.master.TaskStatus;
import dev.taskwire.master.scheduler.Job;
import dev.taskwire.master.scheduler.JobOptions;
import dev.taskwire.master.scheduler.Scheduler;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;

/**
 * Runs a number of tasks through connections, keeping each slot of each slave busy ({@link
 * SlotWorkers}: one thread per slot sends a task, waits for its result, and sends the next), or
 * the same number of jobs through the {@link Scheduler} ({@link #runJobs}). Measures each task's
 * latency from {@code start()} (a job's from its submit) to the end of its callbacks. Used by the
 * benchmark.
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

  /**
   * Runs {@code total} jobs through {@code scheduler}, job {@code i} carrying {@code data.apply(i)},
   * submitted from this thread, which keeps at most {@code window} jobs not final: it takes a permit
   * per submit, and the job's callback gives it back. With a window of a few times the fleet's slots
   * the queue always holds a job for a slot that frees, and never fills. A job's latency is from its
   * submit to the end of its callbacks, so it includes its wait in the queue. {@code progress} is
   * told the index of each job that ends (from the scheduler's callback threads).
   */
  public static Result runJobs(Scheduler scheduler, int total, IntFunction<Map<String, Object>> data, JobOptions options,
      int window, IntConsumer progress) throws InterruptedException {
    return runJobs(scheduler, total, data, options, window, 1, progress);
  }

  /**
   * {@link #runJobs(Scheduler, int, IntFunction, JobOptions, int, IntConsumer)} with the jobs
   * submitted from {@code submitters} threads (1: this thread), sharing the window: as many callers
   * as that submit at once, each waiting for its submit to return (with a durable store, until its
   * job is on disk), so that their submits may share a transaction.
   */
  public static Result runJobs(Scheduler scheduler, int total, IntFunction<Map<String, Object>> data, JobOptions options,
      int window, int submitters, IntConsumer progress) throws InterruptedException {
    if (submitters < 1 || submitters > window) {
      throw new IllegalArgumentException("submitters not within 1.." + window + " (the window): " + submitters);
    }
    AtomicInteger completed = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicLongArray latencies = new AtomicLongArray(total);
    AtomicInteger measured = new AtomicInteger();
    Semaphore outstanding = new Semaphore(window);
    AtomicInteger notFinal = new AtomicInteger();
    AtomicBoolean stalled = new AtomicBoolean();
    SlotWorkers.Work submit = (submitter, i) -> {
      if (stalled.get() || !outstanding.tryAcquire(TASK_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        stalled.set(true); // no job ended for a whole task wait: the rest are not even submitted
        notFinal.incrementAndGet();
        return;
      }
      long t0 = System.nanoTime();
      Job job = scheduler.submit(data.apply(i), options);
      job.onComplete((d, r) -> {
        latencies.set(measured.getAndIncrement(), System.nanoTime() - t0);
        completed.incrementAndGet();
        outstanding.release();
        progress.accept(i);
      }).onFail((d, r) -> {
        latencies.set(measured.getAndIncrement(), System.nanoTime() - t0);
        failed.incrementAndGet();
        outstanding.release();
        progress.accept(i);
      });
    };
    long cpuBefore = processCpuNanos();
    long startNanos = System.nanoTime();
    try {
      if (submitters == 1) {
        for (int i = 0; i < total; i++) {
          submit.run(0, i);
        }
      } else {
        SlotWorkers.run("taskwire-submit", submitters, total, submit);
      }
    } catch (InterruptedException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("a submitter failed", e); // the work above throws nothing else checked
    }
    if (!outstanding.tryAcquire(window, TASK_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
      notFinal.addAndGet(window - outstanding.availablePermits());
    }
    long elapsed = System.nanoTime() - startNanos;
    long[] values = new long[Math.min(total, measured.get())];
    for (int i = 0; i < values.length; i++) {
      values[i] = latencies.get(i);
    }
    return new Result(total, completed.get(), failed.get(), 0, notFinal.get(), new Percentiles(values), elapsed,
        processCpuNanos() - cpuBefore);
  }

  /** CPU time this JVM has used, all threads, or 0 where the platform does not tell. */
  public static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return Math.max(0, os.getProcessCpuTime());
    }
    return 0;
  }
}
