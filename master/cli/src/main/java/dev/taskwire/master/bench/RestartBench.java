package dev.taskwire.master.bench;

import dev.taskwire.master.Master;
import dev.taskwire.master.scheduler.Job;
import dev.taskwire.master.scheduler.JobOptions;
import dev.taskwire.master.scheduler.Scheduler;
import dev.taskwire.master.store.EmbeddedStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;

/**
 * A restart with a deep queue: a first master with no slave queues many jobs on a data directory
 * (a fresh one, removed at the end) and is closed; then the time is taken from opening
 * that directory again until the new master takes jobs: {@link EmbeddedStore#open} (lock, schema
 * check), the master's build (its scheduler reads every kept job back), {@link Master#start()}, and
 * a first submit, which returns once its job is on disk.
 */
public final class RestartBench {
  /** Jobs per {@code submitAll} while the first master fills the queue: one transaction each. */
  static final int FILL_BATCH = 1_000;

  private RestartBench() {}

  /**
   * What the restart case measured.
   *
   * @param payloadBytes the size of each queued job's data
   * @param fillNanos the first master queueing every job (in batches of {@link #FILL_BATCH})
   * @param dataDirBytes the data directory after the first master closed
   * @param openNanos {@link EmbeddedStore#open} on the filled directory
   * @param buildNanos the new master's build, which reads every kept job back
   * @param startNanos {@link Master#start()}
   * @param submitNanos the first submit, until its job is on disk
   * @param queuedAfter jobs the new master held queued after that submit
   */
  public record Result(int jobs, int payloadBytes, long fillNanos, long dataDirBytes, long openNanos, long buildNanos,
      long startNanos, long submitNanos, int queuedAfter) {
    /** From opening the data directory until the first submit returned. */
    public long untilTakingJobsNanos() {
      return openNanos + buildNanos + startNanos + submitNanos;
    }

    /** Whether every queued job came back, and the first submit with them. */
    public boolean allBack() {
      return queuedAfter == jobs + 1;
    }
  }

  /**
   * Queues {@code jobs} jobs of {@code payloadBytes} each on a first master with no slave, closes it,
   * then times a second master on the same directory until a submit returns. The data directory is
   * made in {@code parent}. {@code progress} is told of every job the first master queued.
   */
  public static Result run(Path parent, int jobs, int payloadBytes, IntConsumer progress) throws Exception {
    if (jobs < 1) {
      throw new IllegalArgumentException("jobs < 1: " + jobs);
    }
    int capacity = Math.max(Scheduler.DEFAULT_QUEUE_CAPACITY, jobs + 1);
    IntFunction<Map<String, Object>> data = ThroughputBench.payload(payloadBytes);
    Path dataDir = Files.createTempDirectory(Files.createDirectories(parent), "taskwire-bench-restart-");
    try {
      long fillNanos = fill(dataDir, capacity, jobs, data, progress);
      long dataDirBytes = DiskWrites.directoryBytes(dataDir);
      QueueBench.heapUsedAfterGc(); // the first master's garbage is not the second one's to collect

      long t0 = System.nanoTime();
      EmbeddedStore disk = EmbeddedStore.open(dataDir);
      try {
        long t1 = System.nanoTime();
        Master master = master(disk, capacity).build();
        try {
          long t2 = System.nanoTime();
          master.start();
          long t3 = System.nanoTime();
          master.scheduler().submit(data.apply(jobs), JobOptions.DEFAULTS);
          long t4 = System.nanoTime();
          int queuedAfter = master.scheduler().summary().queued();
          return new Result(jobs, payloadBytes, fillNanos, dataDirBytes, t1 - t0, t2 - t1, t3 - t2, t4 - t3, queuedAfter);
        } finally {
          master.close();
        }
      } finally {
        disk.close();
      }
    } finally {
      DiskWrites.deleteTree(dataDir);
    }
  }

  /** The first master: queues {@code jobs} jobs with no slave, then closes, leaving them on disk. */
  private static long fill(Path dataDir, int capacity, int jobs, IntFunction<Map<String, Object>> data,
      IntConsumer progress) {
    try (EmbeddedStore disk = EmbeddedStore.open(dataDir); Master master = master(disk, capacity).build().start()) {
      long t0 = System.nanoTime();
      for (int from = 0; from < jobs; from += FILL_BATCH) {
        int to = Math.min(jobs, from + FILL_BATCH);
        List<Map<String, Object>> batch = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
          batch.add(data.apply(i));
        }
        List<Job> queued = master.scheduler().submitAll(batch, JobOptions.DEFAULTS);
        for (int i = from; i < from + queued.size(); i++) {
          progress.accept(i);
        }
      }
      long fillNanos = System.nanoTime() - t0;
      int queued = master.scheduler().summary().queued();
      if (queued != jobs) {
        throw new IllegalStateException("expected " + jobs + " jobs queued, the first master holds " + queued);
      }
      return fillNanos;
    }
  }

  private static Master.Builder master(EmbeddedStore disk, int capacity) {
    return Master.builder().host("127.0.0.1").port(0).callbackHost("127.0.0.1").queueCapacity(capacity).store(disk);
  }
}
