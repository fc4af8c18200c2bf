package dev.taskwire.master.bench;

import dev.taskwire.master.Master;
import dev.taskwire.master.scheduler.Job;
import dev.taskwire.master.scheduler.JobOptions;
import dev.taskwire.master.scheduler.JobStatus;
import dev.taskwire.master.scheduler.Passing;
import dev.taskwire.master.scheduler.Scheduler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;

/**
 * Workflow vs independent: one master and one fleet ({@link SchedulerBench#CASE}), the same number
 * of jobs run as a workflow (chains of jobs, each after the one before, passing its result the
 * default way, {@link Passing#NEST}; and a fan-in, many independent jobs and one job {@link
 * Scheduler#combine combined} on the master over all of them) and as independent jobs, in rounds
 * that alternate the two (independent, workflow, ...), like {@link SchedulerBench}. The median run
 * of each is compared.
 *
 * <p>Every job of a run is submitted up front, one {@code submit} per job in both modes, and the
 * run ends when the last is final: a chain's jobs can only run one after another, so a submitter
 * that kept a window of jobs outstanding (as {@link LoadRunner#runJobs} does) would measure its own
 * submit order, not the scheduler. The master's queue holds a whole run.
 */
public final class WorkflowBench {
  /** Chains of a run unless the command says otherwise. */
  public static final int DEFAULT_CHAINS = 1_000;
  /** Jobs per chain unless the command says otherwise. */
  public static final int DEFAULT_CHAIN_LENGTH = 10;
  /** Independent jobs under the combined job unless the command says otherwise. */
  public static final int DEFAULT_FAN_IN = 10_000;
  /** The name of every chain link: its key in the next link's nested upstream results (a short key: a small data cost). */
  static final String LINK = "link";
  /** The longest a run may take before its jobs not final are counted as such. */
  static final Duration RUN_WAIT = Duration.ofMinutes(5);

  private WorkflowBench() {}

  /**
   * The workflow of a run.
   *
   * @param chains how many chains
   * @param chainLength jobs per chain, each after the one before
   * @param fanIn independent jobs, and one combined job over them
   */
  public record Shape(int chains, int chainLength, int fanIn) {
    public Shape {
      if (chains < 1 || chainLength < 1 || fanIn < 1) {
        throw new IllegalArgumentException("chains, chain length and fan-in must each be at least 1: " + chains + ", "
            + chainLength + ", " + fanIn);
      }
      if (fanIn > JobOptions.MAX_UPSTREAMS) {
        throw new IllegalArgumentException("fan-in > " + JobOptions.MAX_UPSTREAMS + " (a job's most upstreams): " + fanIn);
      }
    }

    /** The shape the issue states the goal for: 1,000 chains of 10 and a fan-in of 10,000. */
    public static final Shape DEFAULT = new Shape(DEFAULT_CHAINS, DEFAULT_CHAIN_LENGTH, DEFAULT_FAN_IN);

    /** Jobs of one run: the chains', the fan-in's, and the combined job. */
    public int jobs() {
      return Math.multiplyExact(chains, chainLength) + fanIn + 1;
    }
  }

  /**
   * One run.
   *
   * @param wrong jobs that completed with a result other than the one expected (a sum, or the combined total)
   */
  public record Run(int jobs, int completed, int failed, int notFinal, int wrong, long elapsedNanos, long cpuNanos) {
    /** Jobs that reached a final state per second, from the first submit to the last final job. */
    public double jobsPerSecond() {
      return elapsedNanos == 0 ? 0 : (completed + failed) * 1e9 / elapsedNanos;
    }

    /** JVM CPU time per final job, in microseconds (the whole process: master, and in-process slaves). */
    public double cpuMicrosPerJob() {
      int jobsFinal = completed + failed;
      return jobsFinal == 0 ? 0 : cpuNanos / 1e3 / jobsFinal;
    }
  }

  /**
   * Every run of both modes, in order.
   *
   * @param independentOthers cores other processes kept busy during each independent run (NaN where unknown)
   * @param workflowOthers the same for each workflow run
   */
  public record Comparison(ThroughputCase benchCase, Shape shape, List<Run> independent, List<Run> workflow,
      List<Double> independentOthers, List<Double> workflowOthers) {
    /** The independent run of median jobs/s (the lower of the two middle ones for an even count). */
    public Run medianIndependent() {
      return median(independent);
    }

    /** The workflow run of median jobs/s. */
    public Run medianWorkflow() {
      return median(workflow);
    }

    /** The workflow's median jobs/s as a fraction of the independent jobs'. */
    public double ratio() {
      double base = medianIndependent().jobsPerSecond();
      return base == 0 ? 0 : medianWorkflow().jobsPerSecond() / base;
    }

    private static Run median(List<Run> runs) {
      List<Run> sorted = new ArrayList<>(runs);
      sorted.sort(Comparator.comparingDouble(Run::jobsPerSecond));
      return sorted.get((sorted.size() - 1) / 2);
    }
  }

  /**
   * One untimed run of each mode, then {@code rounds} times an independent run followed by a
   * workflow run, each of {@code shape.jobs()} jobs, on one master with {@code benchCase}'s fleet.
   * {@code progress} is told of every timed job seen final.
   */
  public static Comparison run(ThroughputCase benchCase, Shape shape, int rounds, boolean slavesAsProcesses, Path logDir,
      IntConsumer progress) throws Exception {
    if (rounds < 1) {
      throw new IllegalArgumentException("rounds < 1: " + rounds);
    }
    int jobs = shape.jobs();
    // A whole run is queued at once; the history must still know each fan-in job when the combined
    // job is submitted after them, however many have ended by then.
    try (Master master = Master.builder().host("127.0.0.1").port(0).callbackHost("127.0.0.1")
        .queueCapacity(Math.max(Scheduler.DEFAULT_QUEUE_CAPACITY, jobs))
        .jobHistory(Math.max(Scheduler.DEFAULT_JOB_HISTORY, jobs)).build().start();
        SlaveFleet fleet = SlaveFleet.start(benchCase.slaves(), benchCase.slots(), slavesAsProcesses, logDir)) {
      fleet.connect(master, "bench-", 0);
      Scheduler scheduler = master.scheduler();
      IntFunction<Map<String, Object>> data = ThroughputBench.payload(benchCase.payloadBytes());
      runIndependent(scheduler, jobs, data, i -> { });
      runWorkflow(scheduler, shape, data, i -> { });
      List<Run> independent = new ArrayList<>();
      List<Run> workflow = new ArrayList<>();
      List<Double> independentOthers = new ArrayList<>();
      List<Double> workflowOthers = new ArrayList<>();
      for (int round = 0; round < rounds; round++) {
        long busy = MachineLoad.busyNanos();
        Run run = runIndependent(scheduler, jobs, data, progress);
        long busyAfter = MachineLoad.busyNanos();
        independent.add(run);
        independentOthers.add(MachineLoad.otherCores(busy, busyAfter, run.cpuNanos(), run.elapsedNanos()));
        run = runWorkflow(scheduler, shape, data, progress);
        workflow.add(run);
        workflowOthers.add(MachineLoad.otherCores(busyAfter, MachineLoad.busyNanos(), run.cpuNanos(), run.elapsedNanos()));
      }
      return new Comparison(benchCase, shape, independent, workflow, independentOthers, workflowOthers);
    }
  }

  /** {@code jobs} jobs with no dependencies, job {@code i} carrying {@code data.apply(i)}, all submitted up front. */
  static Run runIndependent(Scheduler scheduler, int jobs, IntFunction<Map<String, Object>> data, IntConsumer progress)
      throws InterruptedException {
    List<Job> submitted = new ArrayList<>(jobs);
    long cpuBefore = LoadRunner.processCpuNanos();
    long start = System.nanoTime();
    for (int i = 0; i < jobs; i++) {
      submitted.add(scheduler.submit(data.apply(i), JobOptions.DEFAULTS));
    }
    return awaitAll(submitted, null, start, cpuBefore, progress);
  }

  /**
   * {@code shape}'s workflow, all submitted up front: the chains, link by link (job {@code i}
   * carrying {@code data.apply(i)}, the result of the link before it nested under {@value #LINK}),
   * then the fan-in's jobs, then the combined job, whose result is the total of their sums.
   */
  static Run runWorkflow(Scheduler scheduler, Shape shape, IntFunction<Map<String, Object>> data, IntConsumer progress)
      throws InterruptedException {
    List<Job> submitted = new ArrayList<>(shape.jobs());
    JobOptions head = JobOptions.builder().name(LINK).build();
    long cpuBefore = LoadRunner.processCpuNanos();
    long start = System.nanoTime();
    int index = 0;
    for (int chain = 0; chain < shape.chains(); chain++) {
      Job previous = null;
      for (int link = 0; link < shape.chainLength(); link++) {
        JobOptions options = previous == null ? head : JobOptions.builder().name(LINK).after(previous).build();
        previous = scheduler.submit(data.apply(index++), options);
        submitted.add(previous);
      }
    }
    List<Job> fanIn = new ArrayList<>(shape.fanIn());
    for (int i = 0; i < shape.fanIn(); i++) {
      Job job = scheduler.submit(data.apply(index++), JobOptions.DEFAULTS);
      fanIn.add(job);
      submitted.add(job);
    }
    Job combined = scheduler.combine(fanIn, WorkflowBench::total);
    submitted.add(combined);
    return awaitAll(submitted, combined, start, cpuBefore, progress);
  }

  /** The combined job's function: the total of its upstreams' sums. */
  static Map<String, Object> total(List<Map<String, Object>> results) {
    long total = 0;
    for (Map<String, Object> result : results) {
      total += ((Number) result.get("sum")).longValue();
    }
    return Map.of("total", total);
  }

  /**
   * Waits (at most {@link #RUN_WAIT} in all) for every job of {@code jobs} to be final, in submit
   * order, then counts them. Job {@code i} must have summed {@code i} and 1 ({@link
   * ThroughputBench#payload}); {@code combined}, if not null, the total of the others' sums after
   * the chains.
   */
  private static Run awaitAll(List<Job> jobs, Job combined, long start, long cpuBefore, IntConsumer progress)
      throws InterruptedException {
    long deadline = start + RUN_WAIT.toNanos();
    int notFinal = 0;
    for (int i = 0; i < jobs.size(); i++) {
      try {
        jobs.get(i).join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        progress.accept(i);
      } catch (TimeoutException e) {
        notFinal++;
      }
    }
    long elapsed = System.nanoTime() - start;
    long cpu = LoadRunner.processCpuNanos() - cpuBefore;
    int completed = 0;
    int failed = 0;
    int wrong = 0;
    long expectedTotal = 0;
    int firstFanIn = jobs.size(); // after the chains: the combined job's upstreams
    if (combined != null) {
      firstFanIn = jobs.size() - 1 - combined.upstreams().size();
    }
    for (int i = 0; i < jobs.size(); i++) {
      Job job = jobs.get(i);
      JobStatus status = job.status();
      if (status == JobStatus.COMPLETED) {
        completed++;
      } else if (status.isFinal()) {
        failed++;
      }
      if (job == combined) {
        if (status == JobStatus.COMPLETED && !(job.result().get("total") instanceof Number total
            && total.longValue() == expectedTotal)) {
          wrong++;
        }
        continue;
      }
      if (i >= firstFanIn) {
        expectedTotal += i + 1L;
      }
      if (status == JobStatus.COMPLETED && !(job.result().get("sum") instanceof Number sum && sum.longValue() == i + 1L)) {
        wrong++;
      }
    }
    return new Run(jobs.size(), completed, failed, notFinal, wrong, elapsed, cpu);
  }
}
