package dev.taskwire.master.bench;

import dev.taskwire.master.Master;
import dev.taskwire.master.scheduler.JobOptions;
import dev.taskwire.master.store.EmbeddedStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;

/**
 * Store vs in memory: the same jobs through the scheduler of a master that keeps its state in an
 * {@link EmbeddedStore} (a fresh data directory, removed at the end) and of one that keeps
 * it in memory, each master with a fleet of its own, in rounds that alternate the two (memory,
 * store, memory, store, ...) like {@link SchedulerBench}; the median run of each is compared. Each
 * run also counts what the JVM wrote to disk ({@link DiskWrites}) and, for the store, the group
 * commit's transactions and rows: the disk written per job.
 */
public final class StoreBench {
  private StoreBench() {}

  /**
   * One timed run.
   *
   * @param otherCores cores other processes kept busy meanwhile (NaN where unknown)
   * @param writtenBytes what the JVM wrote to disk meanwhile ({@code /proc/self/io}), or the data
   *     directory's growth where that cannot tell ({@link Comparison#writtenFromProc} false)
   * @param transactions the store's transactions committed meanwhile (0 in memory)
   * @param rows the rows they wrote
   */
  public record Run(ThroughputBench.Measurement measurement, double otherCores, long writtenBytes, long transactions,
      long rows) {
    /** Bytes written to disk per job of the run. */
    public double writtenBytesPerJob() {
      int jobs = measurement.result().submitted();
      return jobs == 0 ? 0 : (double) writtenBytes / jobs;
    }
  }

  /**
   * Every run of both modes, in order.
   *
   * @param parent where the data directory was made
   * @param window the most jobs outstanding in a run
   * @param submitters the threads that submitted them, each waiting for its submit to return
   * @param writtenFromProc whether written bytes are from {@code /proc/self/io} (else data directory sizes)
   * @param dataDirBytes the store's data directory at the end (database, write-ahead log, its index)
   */
  public record Comparison(ThroughputCase benchCase, Path parent, int tasks, int window, int submitters, List<Run> memory,
      List<Run> store,
      boolean writtenFromProc, long dataDirBytes) {
    /** The in-memory run of median jobs/s (the lower of the two middle ones for an even count). */
    public Run medianMemory() {
      return median(memory);
    }

    /** The store run of median jobs/s. */
    public Run medianStore() {
      return median(store);
    }

    /** The store's median jobs/s as a fraction of in-memory's. */
    public double ratio() {
      double base = medianMemory().measurement().result().tasksPerSecond();
      return base == 0 ? 0 : medianStore().measurement().result().tasksPerSecond() / base;
    }

    /** Bytes written to disk per job over every timed store run. */
    public double storeWrittenBytesPerJob() {
      return perJob(store);
    }

    /** The same for the in-memory runs: what the rest of the JVM writes (logs), the baseline. */
    public double memoryWrittenBytesPerJob() {
      return perJob(memory);
    }

    /** The store's transactions per job over every timed store run. */
    public double transactionsPerJob() {
      long jobs = store.stream().mapToLong(r -> r.measurement().result().submitted()).sum();
      return jobs == 0 ? 0 : (double) store.stream().mapToLong(Run::transactions).sum() / jobs;
    }

    /** Rows per transaction over every timed store run: what group commit gathers. */
    public double rowsPerTransaction() {
      long transactions = store.stream().mapToLong(Run::transactions).sum();
      return transactions == 0 ? 0 : (double) store.stream().mapToLong(Run::rows).sum() / transactions;
    }

    private static double perJob(List<Run> runs) {
      long jobs = runs.stream().mapToLong(r -> r.measurement().result().submitted()).sum();
      return jobs == 0 ? 0 : (double) runs.stream().mapToLong(Run::writtenBytes).sum() / jobs;
    }

    private static Run median(List<Run> runs) {
      List<Run> sorted = new ArrayList<>(runs);
      sorted.sort(Comparator.comparingDouble(r -> r.measurement().result().tasksPerSecond()));
      return sorted.get((sorted.size() - 1) / 2);
    }
  }

  /**
   * Runs {@code jitWarmup} jobs on the in-memory master, {@code warmup} jobs on each, then {@code
   * rounds} times {@code tasks} jobs in memory followed by {@code tasks} jobs on the store, each
   * master with {@code benchCase}'s fleet of its own, the jobs submitted from {@code submitters}
   * threads ({@link LoadRunner#runJobs(dev.taskwire.master.scheduler.Scheduler, int, IntFunction,
   * JobOptions, int, int, IntConsumer)}). The data directory is made in {@code parent}
   * (the disk measured) and removed at the end. {@code progress} is told of every timed job that ends.
   */
  public static Comparison run(ThroughputCase benchCase, Path parent, int jitWarmup, int warmup, int tasks, int rounds,
      int submitters, boolean slavesAsProcesses, Path logDir, IntConsumer progress) throws Exception {
    if (rounds < 1) {
      throw new IllegalArgumentException("rounds < 1: " + rounds);
    }
    Path dataDir = Files.createTempDirectory(Files.createDirectories(parent), "taskwire-bench-store-");
    try {
      try (EmbeddedStore disk = EmbeddedStore.open(dataDir)) {
        Comparison comparison = run(benchCase, parent, disk, jitWarmup, warmup, tasks, rounds, submitters, slavesAsProcesses,
            logDir, progress);
        disk.awaitWritten();
        return comparison;
      }
    } finally {
      DiskWrites.deleteTree(dataDir);
    }
  }

  private static Comparison run(ThroughputCase benchCase, Path parent, EmbeddedStore disk, int jitWarmup, int warmup, int tasks,
      int rounds, int submitters, boolean slavesAsProcesses, Path logDir, IntConsumer progress) throws Exception {
    try (Master inMemory = master(null); Master stored = master(disk);
        SlaveFleet memoryFleet = SlaveFleet.start(benchCase.slaves(), benchCase.slots(), slavesAsProcesses, logDir);
        SlaveFleet storeFleet = SlaveFleet.start(benchCase.slaves(), benchCase.slots(), slavesAsProcesses, logDir)) {
      memoryFleet.connect(inMemory, "memory-", 0);
      storeFleet.connect(stored, "store-", 0);
      int window = SchedulerBench.window(benchCase);
      IntFunction<Map<String, Object>> data = ThroughputBench.payload(benchCase.payloadBytes());
      LoadRunner.runJobs(inMemory.scheduler(), jitWarmup, data, JobOptions.DEFAULTS, window, submitters, i -> { });
      LoadRunner.runJobs(inMemory.scheduler(), warmup, data, JobOptions.DEFAULTS, window, submitters, i -> { });
      LoadRunner.runJobs(stored.scheduler(), warmup, data, JobOptions.DEFAULTS, window, submitters, i -> { });
      disk.awaitWritten();
      boolean fromProc = DiskWrites.writeBytes() >= 0;
      List<Run> memory = new ArrayList<>();
      List<Run> store = new ArrayList<>();
      for (int round = 0; round < rounds; round++) {
        memory.add(timed(benchCase, inMemory, null, fromProc, tasks, data, window, submitters, progress));
        store.add(timed(benchCase, stored, disk, fromProc, tasks, data, window, submitters, progress));
      }
      return new Comparison(benchCase, parent, tasks, window, submitters, memory, store, fromProc, DiskWrites.directoryBytes(disk.directory()));
    }
  }

  /** One timed run on {@code master}; {@code disk} is its store, or null in memory. */
  private static Run timed(ThroughputCase benchCase, Master master, EmbeddedStore disk, boolean fromProc, int tasks,
      IntFunction<Map<String, Object>> data, int window, int submitters, IntConsumer progress) throws InterruptedException {
    long[] counts = disk == null ? new long[2] : disk.writer().counts();
    long written = written(fromProc, disk);
    long busy = MachineLoad.busyNanos();
    LoadRunner.Result result = LoadRunner.runJobs(master.scheduler(), tasks, data, JobOptions.DEFAULTS, window, submitters,
        progress);
    long busyAfter = MachineLoad.busyNanos();
    if (disk != null) {
      disk.awaitWritten(); // the run's last reports are acknowledged on disk already; its counters may trail
    }
    long writtenAfter = written(fromProc, disk);
    long[] countsAfter = disk == null ? new long[2] : disk.writer().counts();
    return new Run(new ThroughputBench.Measurement(benchCase, result),
        MachineLoad.otherCores(busy, busyAfter, result.cpuNanos(), result.elapsedNanos()), writtenAfter - written,
        countsAfter[0] - counts[0], countsAfter[1] - counts[1]);
  }

  private static long written(boolean fromProc, EmbeddedStore disk) {
    if (fromProc) {
      return DiskWrites.writeBytes();
    }
    return disk == null ? 0 : DiskWrites.directoryBytes(disk.directory());
  }

  private static Master master(EmbeddedStore disk) {
    Master.Builder builder = Master.builder().host("127.0.0.1").port(0).callbackHost("127.0.0.1");
    if (disk != null) {
      builder.store(disk);
    }
    return builder.build().start();
  }
}
