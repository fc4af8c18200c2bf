package dev.taskwire.master.bench;

import dev.taskwire.master.Master;
import dev.taskwire.master.SlaveConnection;
import dev.taskwire.master.scheduler.JobOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;

/**
 * Scheduler vs direct: one master and one fleet, the same tasks run as connection-bound tasks
 * ({@link LoadRunner#run}) and as jobs through the scheduler ({@link LoadRunner#runJobs}), in
 * rounds that alternate the two (direct, scheduler, direct, scheduler, ...), so that on a small
 * machine neither gets the JIT, the GC or a noisy neighbour to itself. The median run of each is
 * compared.
 */
public final class SchedulerBench {
  /** The case the issue states the goal for: 4 slaves x 4 slots, 100-byte payloads. */
  public static final ThroughputCase CASE = new ThroughputCase(4, 4, 100);
  /** Jobs kept outstanding per slot of the fleet: one running, one queued behind it. */
  static final int WINDOW_PER_SLOT = 2;

  private SchedulerBench() {}

  /** The most jobs a run on {@code benchCase}'s fleet keeps outstanding: {@link #WINDOW_PER_SLOT} per slot. */
  public static int window(ThroughputCase benchCase) {
    return WINDOW_PER_SLOT * benchCase.slaves() * benchCase.slots();
  }

  /**
   * Every run of both modes, in order.
   *
   * @param window the most jobs outstanding in a scheduler run
   * @param directOthers cores other processes kept busy during each direct run (NaN where unknown)
   * @param schedulerOthers the same for each scheduler run
   */
  public record Comparison(ThroughputCase benchCase, int tasks, int window, List<ThroughputBench.Measurement> direct,
      List<ThroughputBench.Measurement> scheduler, List<Double> directOthers, List<Double> schedulerOthers) {
    /** The direct run of median tasks/s (the lower of the two middle ones for an even count). */
    public ThroughputBench.Measurement medianDirect() {
      return median(direct);
    }

    /** The scheduler run of median tasks/s. */
    public ThroughputBench.Measurement medianScheduler() {
      return median(scheduler);
    }

    /** The scheduler's median tasks/s as a fraction of direct's. */
    public double ratio() {
      double base = medianDirect().result().tasksPerSecond();
      return base == 0 ? 0 : medianScheduler().result().tasksPerSecond() / base;
    }

    private static ThroughputBench.Measurement median(List<ThroughputBench.Measurement> runs) {
      List<ThroughputBench.Measurement> sorted = new ArrayList<>(runs);
      sorted.sort(Comparator.comparingDouble(m -> m.result().tasksPerSecond()));
      return sorted.get((sorted.size() - 1) / 2);
    }
  }

  /**
   * Runs {@code jitWarmup} jobs (the scheduler's path gets the JIT warm-up the direct path got from
   * the benchmark's start and every case since), then {@code warmup} tasks and {@code warmup} jobs,
   * then {@code rounds} times {@code tasks} tasks followed by {@code tasks} jobs, on one master with
   * {@code benchCase}'s fleet. {@code progress} is told of every timed task or job that ends.
   */
  public static Comparison run(ThroughputCase benchCase, int jitWarmup, int warmup, int tasks, int rounds,
      boolean slavesAsProcesses, Path logDir, IntConsumer progress) throws Exception {
    if (rounds < 1) {
      throw new IllegalArgumentException("rounds < 1: " + rounds);
    }
    try (Master master = Master.builder().host("127.0.0.1").port(0).callbackHost("127.0.0.1").build().start();
        SlaveFleet fleet = SlaveFleet.start(benchCase.slaves(), benchCase.slots(), slavesAsProcesses, logDir)) {
      List<SlaveConnection> connections = fleet.connect(master, "bench-", 0);
      int window = window(benchCase);
      IntFunction<Map<String, Object>> data = ThroughputBench.payload(benchCase.payloadBytes());
      LoadRunner.runJobs(master.scheduler(), jitWarmup, data, JobOptions.DEFAULTS, window, i -> { });
      LoadRunner.run(connections, warmup, data, i -> { });
      LoadRunner.runJobs(master.scheduler(), warmup, data, JobOptions.DEFAULTS, window, i -> { });
      List<ThroughputBench.Measurement> direct = new ArrayList<>();
      List<ThroughputBench.Measurement> scheduler = new ArrayList<>();
      List<Double> directOthers = new ArrayList<>();
      List<Double> schedulerOthers = new ArrayList<>();
      for (int round = 0; round < rounds; round++) {
        long busy = MachineLoad.busyNanos();
        LoadRunner.Result result = LoadRunner.run(connections, tasks, data, progress);
        long busyAfter = MachineLoad.busyNanos();
        direct.add(new ThroughputBench.Measurement(benchCase, result));
        directOthers.add(MachineLoad.otherCores(busy, busyAfter, result.cpuNanos(), result.elapsedNanos()));
        result = LoadRunner.runJobs(master.scheduler(), tasks, data, JobOptions.DEFAULTS, window, progress);
        scheduler.add(new ThroughputBench.Measurement(benchCase, result));
        schedulerOthers.add(MachineLoad.otherCores(busyAfter, MachineLoad.busyNanos(), result.cpuNanos(), result.elapsedNanos()));
      }
      return new Comparison(benchCase, tasks, window, direct, scheduler, directOthers, schedulerOthers);
    }
  }
}
