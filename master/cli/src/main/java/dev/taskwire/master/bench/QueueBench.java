package dev.taskwire.master.bench;

import dev.taskwire.master.Master;
import dev.taskwire.master.scheduler.Job;
import dev.taskwire.master.scheduler.JobOptions;
import dev.taskwire.master.scheduler.JobStatus;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.IntConsumer;

/**
 * A deep queue: many tiny jobs ({@code {"a": n, "b": 1}}, which the slaves' demo processor sums)
 * submitted from one thread to a master with no slave, then a fleet connected to drain them.
 * Measures the submit rate (and the collector's share of it: every queued job is live, so each young
 * collection copies them), the heap a queued job takes beyond its data, and the drain rate.
 *
 * <p>Heap is measured as retained: used heap after {@link #GC_ROUNDS} full collections, before and
 * after. The data's own share is measured the same way, by the same maps (and a list as long as
 * the job list) kept without any scheduler, and subtracted.
 */
public final class QueueBench {
  /** Collections before a heap reading: the second and later find little left, so the reading is what is retained. */
  static final int GC_ROUNDS = 4;
  /**
   * Heap a JVM needs per queued job for this case to run at all (a job retains about 450 bytes with
   * its data; the rest is room for the collector), checked up front. Runs with less than about twice
   * this spend much of the submit time in the collector.
   */
  static final long HEAP_PER_JOB_ESTIMATE = 1_024;
  /** The longest the drain may wait for any one job. */
  static final Duration DRAIN_WAIT = Duration.ofMinutes(5);

  private QueueBench() {}

  /**
   * What the queue case measured.
   *
   * @param submitGcMillis time the collectors reported while the jobs were submitted
   * @param heapBytes retained heap growth with every job queued (the jobs, their data, the list of jobs)
   * @param dataBytes retained heap of the same data maps in a list of the same length, without a scheduler
   */
  public record Result(int jobs, long submitNanos, long submitGcMillis, long heapBytes, long dataBytes, ThroughputCase drainCase,
      long drainNanos, int completed, int failed, int notFinal) {
    /** Jobs submitted per second, from one thread. */
    public double submitsPerSecond() {
      return submitNanos == 0 ? 0 : jobs * 1e9 / submitNanos;
    }

    /** Retained heap per queued job, beyond its data. */
    public double bytesPerJobBeyondData() {
      return jobs == 0 ? 0 : (double) (heapBytes - dataBytes) / jobs;
    }

    /** Jobs that reached a final state per second, from connecting the fleet to the last one. */
    public double drainJobsPerSecond() {
      return drainNanos == 0 ? 0 : (completed + failed) * 1e9 / drainNanos;
    }
  }

  /**
   * Queues {@code jobs} jobs on a master with no slave, then drains them with {@code drainCase}'s
   * fleet. {@code progress} is told of every job the drain sees final (in submit order).
   *
   * @throws IllegalStateException if this JVM's heap is clearly too small ({@link #requireHeap})
   */
  public static Result run(int jobs, ThroughputCase drainCase, boolean slavesAsProcesses, Path logDir, IntConsumer progress)
      throws Exception {
    requireHeap(jobs);
    long dataBytes = dataBytes(jobs);
    try (Master master = Master.builder().host("127.0.0.1").port(0).callbackHost("127.0.0.1").queueCapacity(jobs)
        .build().start()) {
      long before = heapUsedAfterGc();
      List<Job> queued = new ArrayList<>(jobs);
      long gcBefore = gcMillis();
      long t0 = System.nanoTime();
      for (int i = 0; i < jobs; i++) {
        queued.add(master.scheduler().submit(data(i), JobOptions.DEFAULTS));
      }
      long submitNanos = System.nanoTime() - t0;
      long submitGcMillis = gcMillis() - gcBefore;
      long heapBytes = heapUsedAfterGc() - before;
      if (master.scheduler().summary().queued() != jobs) {
        throw new IllegalStateException("expected " + jobs + " jobs queued, the scheduler holds "
            + master.scheduler().summary().queued());
      }

      try (SlaveFleet fleet = SlaveFleet.start(drainCase.slaves(), drainCase.slots(), slavesAsProcesses, logDir)) {
        long drainStart = System.nanoTime();
        fleet.connect(master, "queue-", 0);
        int completed = 0;
        int failed = 0;
        int notFinal = 0;
        for (int i = 0; i < jobs; i++) {
          Job job = queued.get(i);
          queued.set(i, null); // let it go once seen: only the history keeps the last ones
          try {
            job.join(DRAIN_WAIT);
          } catch (TimeoutException e) {
            notFinal++;
            continue;
          }
          if (job.status() == JobStatus.COMPLETED) {
            completed++;
          } else {
            failed++;
          }
          progress.accept(i);
        }
        long drainNanos = System.nanoTime() - drainStart;
        return new Result(jobs, submitNanos, submitGcMillis, heapBytes, dataBytes, drainCase, drainNanos, completed, failed, notFinal);
      }
    }
  }

  /**
   * Fails at once if this JVM's heap is clearly too small for {@code jobs} queued jobs, naming the
   * -Xmx to use: better before the other cases than after them.
   *
   * @throws IllegalStateException if it is
   */
  public static void requireHeap(int jobs) {
    long needed = jobs * HEAP_PER_JOB_ESTIMATE;
    long max = Runtime.getRuntime().maxMemory();
    if (max < needed) {
      throw new IllegalStateException("the queue case needs about " + needed / 1_048_576 + " MiB of heap for " + jobs
          + " jobs, this JVM has " + max / 1_048_576 + " MiB: run java with -Xmx" + (2 * needed / 1_073_741_824 + 1) + "g,"
          + " or pass a smaller --queue-jobs");
    }
  }

  /** Retained heap of {@code jobs} data maps as the queue case submits them, in a list as long as its list of jobs. */
  static long dataBytes(int jobs) {
    long before = heapUsedAfterGc();
    List<Map<String, Object>> maps = new ArrayList<>(jobs);
    for (int i = 0; i < jobs; i++) {
      maps.add(data(i));
    }
    long after = heapUsedAfterGc();
    Reference.reachabilityFence(maps);
    return after - before;
  }

  /** The data of job {@code i}: tiny, and a sum the demo processor completes. */
  static Map<String, Object> data(int i) {
    return Map.of("a", i, "b", 1);
  }

  /** Collection time so far, all collectors. */
  static long gcMillis() {
    long total = 0;
    for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
      total += Math.max(0, collector.getCollectionTime());
    }
    return total;
  }

  /** Used heap after {@link #GC_ROUNDS} full collections. */
  static long heapUsedAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long used = 0;
    for (int i = 0; i < GC_ROUNDS; i++) {
      System.gc();
      used = memory.getHeapMemoryUsage().getUsed();
    }
    return used;
  }
}
