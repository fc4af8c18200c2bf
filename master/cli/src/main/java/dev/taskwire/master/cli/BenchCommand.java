package dev.taskwire.master.cli;

import dev.taskwire.common.cli.CommandLines;
import dev.taskwire.master.bench.BenchReport;
import dev.taskwire.master.bench.HeartbeatBench;
import dev.taskwire.master.bench.QueueBench;
import dev.taskwire.master.bench.RestartBench;
import dev.taskwire.master.bench.SchedulerBench;
import dev.taskwire.master.bench.StoreBench;
import dev.taskwire.master.bench.ThroughputBench;
import dev.taskwire.master.bench.ThroughputCase;
import dev.taskwire.master.bench.WorkflowBench;
import dev.taskwire.master.scheduler.JobOptions;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench}: measures throughput and latency for S slaves x K slots x payload size, the
 * scheduler against connection-bound tasks on 4x4 100 B, jobs that depend on jobs against as many
 * independent ones on the same fleet, jobs on the embedded store against in memory (and the disk
 * written per job), a restart on a data directory with a deep queue, a deep queue (submit rate,
 * heap per job, drain rate), and the master's cost of heartbeats from many slaves, all on
 * loopback; prints a table and writes {@code bench.json} and {@code bench.svg} (tasks/s by S and K).
 */
@Command(name = "bench", mixinStandardHelpOptions = true, usageHelpWidth = 100,
    description = {"Benchmarks a master and slaves on loopback: throughput, latency, heartbeat scale.", ""})
final class BenchCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--slaves", split = ",", paramLabel = "S", description = "Slave counts (default: 1,4,16).")
  List<Integer> slaves = List.of(1, 4, 16);

  @Option(names = "--slots", split = ",", paramLabel = "K", description = "Slots per slave (default: 1,4).")
  List<Integer> slots = List.of(1, 4);

  @Option(names = "--payloads", split = ",", paramLabel = "BYTES", description = "Task data sizes (default: 100,65536).")
  List<Integer> payloads = List.of(100, 65_536);

  @Option(names = "--bench-tasks", paramLabel = "N", description = "Timed tasks per case (default: 20000).")
  int tasks = 20_000;

  @Option(names = "--warmup", paramLabel = "N", description = "Warm-up tasks per case (default: 5000).")
  int warmup = 5_000;

  @Option(names = "--jit-warmup", paramLabel = "N", description = "Tasks run once before all cases, so that the first case is not the one that pays for the JIT (default: 30000).")
  int jitWarmup = 30_000;

  @Option(names = "--slaves-as-processes", description = "Run each slave as a JVM of its own.")
  boolean slavesAsProcesses;

  @Option(names = "--scheduler-rounds", paramLabel = "N", description = "Rounds of the scheduler-vs-direct case (4x4 100B, --bench-tasks per run, each round a direct run then a scheduler run; the medians are compared); 0 = skip it (default: 5).")
  int schedulerRounds = 5;

  @Option(names = "--workflow-rounds", paramLabel = "N", description = "Rounds of the workflow-vs-independent case (4x4 100B, each round a run of independent jobs then a workflow of as many jobs, all submitted up front; the medians are compared); 0 = skip it (default: 3).")
  int workflowRounds = 3;

  @Option(names = "--workflow-chains", paramLabel = "N", description = "Chains of the workflow case (default: " + WorkflowBench.DEFAULT_CHAINS + ").")
  int workflowChains = WorkflowBench.DEFAULT_CHAINS;

  @Option(names = "--workflow-chain-length", paramLabel = "N", description = "Jobs per chain, each after the one before (default: " + WorkflowBench.DEFAULT_CHAIN_LENGTH + ").")
  int workflowChainLength = WorkflowBench.DEFAULT_CHAIN_LENGTH;

  @Option(names = "--workflow-fan-in", paramLabel = "N", description = "Jobs of the workflow case's fan-in, one job combined over them on the master (default: " + WorkflowBench.DEFAULT_FAN_IN + ").")
  int workflowFanIn = WorkflowBench.DEFAULT_FAN_IN;

  @Option(names = "--store-rounds", paramLabel = "N", description = "Rounds of the store-vs-memory case (4x4 100B, --bench-tasks jobs per run, each round a run on an in-memory master then one on a master with the embedded store in a fresh data directory in --store-dir; the medians are compared, and the disk written per job is counted); 0 = skip it (default: 5).")
  int storeRounds = 5;

  @Option(names = "--restart-jobs", paramLabel = "N", description = "Jobs of the restart case (queued on a data directory by a master with no slave, then the time until a new master on it takes jobs); 0 = skip it (default: 100000).")
  int restartJobs = 100_000;

  @Option(names = "--store-submitters", paramLabel = "N", description = "Threads that submit the store case's jobs, sharing its window of 32 outstanding jobs, each waiting for its submit to return (on the store: until its job is on disk); 1 submits as the scheduler case does (default: 1).")
  int storeSubmitters = 1;

  @Option(names = "--store-dir", paramLabel = "DIR", description = "Where the store and restart cases make their data directories, removed at the end: the disk they measure (default: java.io.tmpdir).")
  Path storeDir = Path.of(System.getProperty("java.io.tmpdir"));

  @Option(names = "--queue-jobs", paramLabel = "N", description = "Jobs of the deep-queue case (submitted with no slave, then drained by 4x4 slaves; 1,000,000 needs at least 1 GiB of heap, better 4); 0 = skip it (default: 1000000).")
  int queueJobs = 1_000_000;

  @Option(names = "--heartbeat-slaves", paramLabel = "N", description = "Simulated slaves of the heartbeat case; 0 = skip it (default: 1000).")
  int heartbeatSlaves = 1_000;

  @Option(names = "--heartbeat-seconds", paramLabel = "N", description = "Measured length of the heartbeat case (default: 30).")
  int heartbeatSeconds = 30;

  @Option(names = "--heartbeat-warmup", paramLabel = "N", description = "Seconds of heartbeats before measuring (default: 10).")
  int heartbeatWarmup = 10;

  @Option(names = "--out", paramLabel = "DIR", description = "Where bench.json and bench.svg go (default: bench-results).")
  Path out = Path.of("bench-results");

  @Override
  public Integer call() throws Exception {
    CommandLine commandLine = spec.commandLine();
    for (String[] check : new String[][] {{"--bench-tasks", "" + tasks}, {"--warmup", "" + warmup},
        {"--scheduler-rounds", "" + schedulerRounds}, {"--workflow-rounds", "" + workflowRounds}, {"--store-rounds", "" + storeRounds},
        {"--restart-jobs", "" + restartJobs}, {"--queue-jobs", "" + queueJobs}}) {
      CommandLines.apply(commandLine, check[0], Integer.parseInt(check[1]), v -> {
        if (v < 0) {
          throw new IllegalArgumentException(check[0].substring(2) + " < 0: " + v);
        }
      });
    }
    CommandLines.apply(commandLine, "--store-submitters", storeSubmitters, v -> {
      atLeast("store-submitters", v, 1);
      int window = SchedulerBench.window(SchedulerBench.CASE);
      if (v > window) {
        throw new IllegalArgumentException("store-submitters > " + window + " (the jobs kept outstanding): " + v);
      }
    });
    WorkflowBench.Shape workflowShape = workflowShape(commandLine);
    QueueBench.requireHeap(queueJobs);
    Files.createDirectories(out);
    PrintWriter stdout = commandLine.getOut();
    List<ThroughputCase> cases = new ArrayList<>();
    for (int payload : payloads) {
      for (int s : slaves) {
        for (int k : slots) {
          cases.add(new ThroughputCase(s, k, payload));
        }
      }
    }
    BenchReport report = new BenchReport(slavesAsProcesses);
    if (jitWarmup > 0) {
      Progress progress = new Progress("bench JIT warm-up", jitWarmup, commandLine.getErr(), Progress.stderrIsTerminal());
      ThroughputBench.run(new ThroughputCase(2, 2, 100), 0, jitWarmup, false, out, i -> progress.advance());
      progress.finish();
    }
    int index = 0;
    for (ThroughputCase benchCase : cases) {
      index++;
      Progress progress = new Progress("bench " + index + "/" + cases.size() + " " + benchCase.label(), tasks,
          commandLine.getErr(), Progress.stderrIsTerminal());
      report.add(ThroughputBench.run(benchCase, warmup, tasks, slavesAsProcesses, out, i -> progress.advance()));
      progress.finish();
    }
    if (schedulerRounds > 0) {
      Progress progress = new Progress("bench scheduler vs direct " + SchedulerBench.CASE.label(), 2 * schedulerRounds * tasks,
          commandLine.getErr(), Progress.stderrIsTerminal());
      report.schedulerVsDirect(SchedulerBench.run(SchedulerBench.CASE, jitWarmup, warmup, tasks, schedulerRounds, slavesAsProcesses, out,
          i -> progress.advance()));
      progress.finish();
    }
    if (workflowRounds > 0) {
      Progress progress = new Progress("bench workflow vs independent " + SchedulerBench.CASE.label(),
          2 * workflowRounds * workflowShape.jobs(), commandLine.getErr(), Progress.stderrIsTerminal());
      report.workflowVsIndependent(WorkflowBench.run(SchedulerBench.CASE, workflowShape, workflowRounds, slavesAsProcesses, out,
          i -> progress.advance()));
      progress.finish();
    }
    if (storeRounds > 0) {
      Progress progress = new Progress("bench store vs memory " + SchedulerBench.CASE.label(), 2 * storeRounds * tasks,
          commandLine.getErr(), Progress.stderrIsTerminal());
      report.storeVsMemory(StoreBench.run(SchedulerBench.CASE, storeDir, jitWarmup, warmup, tasks, storeRounds, storeSubmitters,
          slavesAsProcesses, out, i -> progress.advance()));
      progress.finish();
    }
    if (restartJobs > 0) {
      Progress progress = new Progress("bench restart: queueing", restartJobs, commandLine.getErr(), Progress.stderrIsTerminal());
      report.restart(RestartBench.run(storeDir, restartJobs, SchedulerBench.CASE.payloadBytes(), i -> progress.advance()));
      progress.finish();
    }
    if (queueJobs > 0) {
      commandLine.getErr().printf("bench queue: %d jobs submitted with no slave connected, then drained by %dx%d slaves%n",
          queueJobs, SchedulerBench.CASE.slaves(), SchedulerBench.CASE.slots());
      commandLine.getErr().flush();
      Progress progress = new Progress("bench queue drain", queueJobs, commandLine.getErr(), Progress.stderrIsTerminal());
      report.queue(QueueBench.run(queueJobs, SchedulerBench.CASE, slavesAsProcesses, out, i -> progress.advance()));
      progress.finish();
    }
    if (heartbeatSlaves > 0) {
      commandLine.getErr().printf("bench heartbeats: %d simulated slaves for %d s%n", heartbeatSlaves, heartbeatSeconds);
      commandLine.getErr().flush();
      report.heartbeat(HeartbeatBench.run(heartbeatSlaves, heartbeatWarmup, heartbeatSeconds));
    }
    report.printTable(stdout);
    report.writeJson(out.resolve("bench.json"));
    report.writeSvg(out.resolve("bench.svg"));
    stdout.printf("wrote %s and %s%n", out.resolve("bench.json"), out.resolve("bench.svg"));
    stdout.flush();
    return 0;
  }

  /** The workflow case's shape from its flags, checked before any case runs. */
  private WorkflowBench.Shape workflowShape(CommandLine commandLine) {
    CommandLines.apply(commandLine, "--workflow-chains", workflowChains, v -> atLeast("workflow-chains", v, 1));
    CommandLines.apply(commandLine, "--workflow-chain-length", workflowChainLength, v -> atLeast("workflow-chain-length", v, 1));
    CommandLines.apply(commandLine, "--workflow-fan-in", workflowFanIn, v -> {
      atLeast("workflow-fan-in", v, 1);
      if (v > JobOptions.MAX_UPSTREAMS) {
        throw new IllegalArgumentException("workflow-fan-in > " + JobOptions.MAX_UPSTREAMS + " (a job's most upstreams): " + v);
      }
    });
    return new WorkflowBench.Shape(workflowChains, workflowChainLength, workflowFanIn);
  }

  private static void atLeast(String name, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(name + " < " + min + ": " + value);
    }
  }
}
