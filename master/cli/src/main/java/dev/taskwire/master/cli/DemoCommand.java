package dev.taskwire.master.cli;

import dev.taskwire.common.cli.CommandLines;
import dev.taskwire.common.util.Durations;
import dev.taskwire.master.ConnectionListener;
import dev.taskwire.master.Master;
import dev.taskwire.master.SlaveConnection;
import dev.taskwire.master.bench.SlaveFleet;
import dev.taskwire.master.scheduler.Job;
import dev.taskwire.master.scheduler.JobOptions;
import dev.taskwire.master.scheduler.JobStatus;
import dev.taskwire.master.scheduler.Scheduler;
import dev.taskwire.master.scheduler.SchedulerSummary;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code demo}: a master in this JVM and N slaves, each a JVM of its own (this JVM's java and
 * classpath running the slave's {@code Main}), on loopback. M sum jobs, every fourth "interactive"
 * at priority 1 and the rest "batch" at priority 0, go to the scheduler (no job names a
 * connection); when half of them have completed, the slave with the most jobs running is killed
 * with SIGKILL. The master notices within its heartbeat tolerance ({@link #TOLERANCE}) and the
 * scheduler runs that slave's jobs again elsewhere. Prints the counts per priority and group,
 * whether every job completed exactly once (one {@code onComplete} callback per job id, no {@code
 * onFail}, the right sum), the retries and the throughput; exits 0 only if every job completed
 * exactly once. The slave processes are killed however the demo ends (a shutdown hook covers Ctrl-C).
 *
 * <p>{@code --workflow} runs {@link WorkflowDemo} on such a fleet instead, with no kill.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, usageHelpWidth = 100,
    description = {"Runs a master and slave JVMs on loopback, sends sum jobs to the scheduler, and kills a slave halfway.",
        "With --workflow, runs jobs that depend on jobs instead (a diamond and a fan-out combined on the master) on the"
            + " same slaves, and kills none.", ""})
final class DemoCommand implements Callable<Integer> {
  static final int DEFAULT_SLAVES = 4;
  static final int DEFAULT_JOBS = 1_000;
  static final int DEFAULT_SLOTS = 4;
  /** The master's heartbeat tolerance: short, so that the killed slave is noticed quickly. */
  static final Duration TOLERANCE = Duration.ofSeconds(2);
  static final Duration CHECK_SPAN = Duration.ofMillis(200);
  /** The slaves' heartbeat span: four heartbeats fit in the tolerance. */
  static final Duration SLAVE_HEARTBEAT = Duration.ofMillis(500);
  /** Small JVMs: the slaves only add numbers, and several share the machine with the master. */
  static final List<String> SLAVE_JVM_OPTIONS = List.of("-Xmx128m", "-XX:+UseSerialGC");
  /** The longest the demo waits for the jobs, after the kill. */
  static final Duration JOB_WAIT = Duration.ofSeconds(60);
  static final String INTERACTIVE = "interactive";
  static final String BATCH = "batch";
  /** The first jobs run long, in steps, reporting progress the demo shows: this many, ... */
  static final int LONG_JOBS = 3;
  /** ... each this long in all ... */
  static final int LONG_JOB_MS = 1_000;
  /** ... in this many steps. */
  static final int LONG_JOB_STEPS = 5;
  /** Every this-many-th job is interactive. */
  static final int INTERACTIVE_EVERY = 4;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--slaves", paramLabel = "N", description = "Slave JVMs to start, at least 2: one is killed (with --workflow at least 1, none killed) (default: ${DEFAULT-VALUE}).")
  int slaves;

  @Option(names = {"--jobs", "--tasks"}, paramLabel = "M", description = "Jobs to run; not with --workflow (default: ${DEFAULT-VALUE}).")
  int jobs;

  @Option(names = "--workflow", description = "Run jobs that depend on jobs instead: a diamond A -> B, C -> D (D's data shows B's and C's results) and a split fanning out to --fan-out jobs whose sums a combined job adds up on the master; no slave is killed.")
  boolean workflow;

  @Option(names = "--fan-out", paramLabel = "N", description = "With --workflow: jobs the split fans out to, 1.." + WorkflowDemo.MAX_FAN_OUT + " (default: ${DEFAULT-VALUE}).")
  int fanOut;

  @Option(names = "--slots", paramLabel = "K", description = "Slots of each slave (default: ${DEFAULT-VALUE}).")
  int slots;

  /** What the callbacks saw of one job. */
  private static final class Seen {
    final String group;
    final AtomicInteger completions = new AtomicInteger();
    final AtomicInteger failures = new AtomicInteger();
    volatile boolean rightSum;

    Seen(String group) {
      this.group = group;
    }
  }

  @Override
  public Integer call() throws Exception {
    CommandLine commandLine = spec.commandLine();
    CommandLines.apply(commandLine, "--slaves", slaves, v -> atLeast("slaves", v, workflow ? 1 : 2));
    CommandLines.apply(commandLine, "--jobs", jobs, v -> atLeast("jobs", v, 1));
    CommandLines.apply(commandLine, "--slots", slots, v -> atLeast("slots", v, 1));
    PrintWriter out = commandLine.getOut();
    if (workflow) {
      return runWorkflow(commandLine, out);
    }
    int interactive = (jobs + INTERACTIVE_EVERY - 1) / INTERACTIVE_EVERY;
    out.printf("Taskwire demo: a master and %d slave JVMs x %d slot%s on loopback, %d jobs through the scheduler"
            + " (%d %s at priority 1, %d %s at priority 0); one slave is killed halfway%n",
        slaves, slots, slots == 1 ? "" : "s", jobs, interactive, INTERACTIVE, jobs - interactive, BATCH);
    out.flush();
    List<String> slaveArgs = List.of("--slots", Integer.toString(slots), "--heartbeat-span", Durations.format(SLAVE_HEARTBEAT));
    Map<String, Long> endedAt = new ConcurrentHashMap<>();
    try (SlaveFleet fleet = SlaveFleet.processes(slaves, SLAVE_JVM_OPTIONS, slaveArgs, List.of());
        Master master = Master.builder().host("127.0.0.1").port(0).callbackHost("127.0.0.1")
            .heartbeatTolerance(TOLERANCE).heartbeatCheckSpan(CHECK_SPAN)
            .queueCapacity(Math.max(Scheduler.DEFAULT_QUEUE_CAPACITY, jobs)).build().start()) {
      master.addConnectionListener(new ConnectionListener() {
        @Override
        public void connectionEnded(SlaveConnection connection) {
          endedAt.putIfAbsent(connection.name(), System.nanoTime());
        }
      });
      List<SlaveConnection> connections = fleet.connect(master, "demo-", 1);
      printSlaves(fleet, connections, out);
      return run(master.scheduler(), fleet, connections, endedAt, out);
    }
  }

  /** {@code --workflow}: the same kind of fleet, no kill, and {@link WorkflowDemo} instead of the sum jobs. */
  private int runWorkflow(CommandLine commandLine, PrintWriter out) throws Exception {
    if (commandLine.getParseResult().hasMatchedOption("--jobs")) {
      throw new CommandLine.ParameterException(commandLine, "--jobs is for the plain demo; --workflow takes --fan-out");
    }
    CommandLines.apply(commandLine, "--fan-out", fanOut, v -> {
      if (v < 1 || v > WorkflowDemo.MAX_FAN_OUT) {
        throw new IllegalArgumentException("fan-out not in 1.." + WorkflowDemo.MAX_FAN_OUT + ": " + v);
      }
    });
    out.printf("Taskwire demo --workflow: a master and %d slave JVM%s x %d slot%s on loopback; a diamond (A -> B, C -> D)"
            + " and a split fanning out to %d jobs whose sums a combined job adds up on the master (no slave is killed)%n",
        slaves, slaves == 1 ? "" : "s", slots, slots == 1 ? "" : "s", fanOut);
    out.flush();
    List<String> slaveArgs = List.of("--slots", Integer.toString(slots), "--heartbeat-span", Durations.format(SLAVE_HEARTBEAT));
    // Room for every job at once, and a history that still knows each fan-out job when the combined job is submitted.
    int jobsAtOnce = fanOut + 6;
    try (SlaveFleet fleet = SlaveFleet.processes(slaves, SLAVE_JVM_OPTIONS, slaveArgs, List.of());
        Master master = Master.builder().host("127.0.0.1").port(0).callbackHost("127.0.0.1")
            .queueCapacity(Math.max(Scheduler.DEFAULT_QUEUE_CAPACITY, jobsAtOnce))
            .jobHistory(Math.max(Scheduler.DEFAULT_JOB_HISTORY, jobsAtOnce)).build().start()) {
      printSlaves(fleet, fleet.connect(master, "demo-", 1), out);
      return new WorkflowDemo(master.scheduler(), fanOut, out).run();
    }
  }

  private static void printSlaves(SlaveFleet fleet, List<SlaveConnection> connections, PrintWriter out) {
    List<String> described = new ArrayList<>();
    for (int i = 0; i < connections.size(); i++) {
      described.add(connections.get(i).name() + " pid " + fleet.pid(i) + " port " + fleet.ports().get(i));
    }
    out.println("slaves: " + String.join(", ", described));
    out.flush();
  }

  private int run(Scheduler scheduler, SlaveFleet fleet, List<SlaveConnection> connections, Map<String, Long> endedAt,
      PrintWriter out) throws InterruptedException {
    JobOptions interactiveOptions = JobOptions.builder().priority(1).group(INTERACTIVE).build();
    JobOptions batchOptions = JobOptions.builder().priority(0).group(BATCH).build();
    int killAfter = jobs / 2;
    CountDownLatch halfway = new CountDownLatch(1);
    AtomicInteger completedSoFar = new AtomicInteger();
    Map<String, AtomicLong> lastDoneByGroup = new ConcurrentHashMap<>();
    Map<String, Seen> seen = new ConcurrentHashMap<>();
    List<Job> submitted = new ArrayList<>(jobs);
    Progress progress = new Progress("jobs", jobs, spec.commandLine().getErr(), Progress.stderrIsTerminal());
    if (killAfter == 0) {
      halfway.countDown();
    }
    long start = System.nanoTime();
    for (int i = 0; i < jobs; i++) {
      boolean isInteractive = i % INTERACTIVE_EVERY == 0;
      // The first few run long, in steps, and show their progress (on stderr, with the progress bar).
      Map<String, Object> jobData = i < LONG_JOBS ? Map.of("a", i, "b", 1, "sleepMs", LONG_JOB_MS, "steps", LONG_JOB_STEPS)
          : Map.of("a", i, "b", 1);
      Job job = scheduler.submit(jobData, isInteractive ? interactiveOptions : batchOptions);
      if (i < LONG_JOBS) {
        int number = i;
        PrintWriter err = spec.commandLine().getErr();
        job.onProgress(p -> {
          err.printf("long job %d: step %s of %s%n", number, p.get("done"), p.get("total"));
          err.flush();
        });
      }
      Seen one = new Seen(job.options().group());
      if (seen.putIfAbsent(job.id(), one) != null) {
        throw new IllegalStateException("two jobs with id " + job.id());
      }
      long expected = i + 1L;
      job.onComplete((data, result) -> {
        one.rightSum = result != null && result.get("sum") instanceof Number sum && sum.longValue() == expected;
        one.completions.incrementAndGet();
        lastDoneByGroup.computeIfAbsent(one.group, g -> new AtomicLong()).accumulateAndGet(System.nanoTime(), Math::max);
        if (completedSoFar.incrementAndGet() == killAfter) {
          halfway.countDown();
        }
        progress.advance();
      }).onFail((data, result) -> {
        one.failures.incrementAndGet();
        progress.advance();
      });
      submitted.add(job);
    }

    boolean reachedHalfway = halfway.await(JOB_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    int victim = busiest(connections);
    int runningOnVictim = connections.get(victim).tasksInFlight();
    int completedAtKill = completedSoFar.get();
    long killedAt = System.nanoTime();
    fleet.kill(victim);
    String victimName = connections.get(victim).name();

    long deadline = killedAt + JOB_WAIT.toNanos();
    int notFinal = 0;
    for (Job job : submitted) {
      try {
        job.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      } catch (TimeoutException e) {
        notFinal++;
      }
    }
    long end = lastDoneByGroup.values().stream().mapToLong(AtomicLong::get).max().orElse(System.nanoTime());
    progress.finish();

    if (!reachedHalfway) {
      out.printf("only %d of %d jobs completed within %d s; killed slave %s (pid %d) anyway%n", completedAtKill, jobs,
          JOB_WAIT.toSeconds(), victimName, fleet.pid(victim));
    }
    Long dropped = endedAt.get(victimName);
    out.printf(Locale.ROOT, "killed slave %s (pid %d) with SIGKILL after %d of %d jobs had completed, %d job%s running on it;"
            + " the master dropped its connection %s%n",
        victimName, fleet.pid(victim), completedAtKill, jobs, runningOnVictim, runningOnVictim == 1 ? "" : "s",
        dropped == null ? "NOT (yet)" : String.format(Locale.ROOT, "%.2f s later (heartbeat tolerance %s)",
            (dropped - killedAt) / 1e9, Durations.format(TOLERANCE)));
    double beforeKill = completedAtKill * 1e9 / Math.max(1, killedAt - start);
    return summarize(scheduler.summary(), submitted, seen, lastDoneByGroup, notFinal, start, end, beforeKill, out);
  }

  /** The connection with the most tasks in flight (the lowest index on a tie): killing it surely hits running jobs. */
  private static int busiest(List<SlaveConnection> connections) {
    int best = 0;
    for (int i = 1; i < connections.size(); i++) {
      if (connections.get(i).tasksInFlight() > connections.get(best).tasksInFlight()) {
        best = i;
      }
    }
    return best;
  }

  private int summarize(SchedulerSummary summary, List<Job> submitted, Map<String, Seen> seen,
      Map<String, AtomicLong> lastDoneByGroup, int notFinal, long start, long end, double beforeKill, PrintWriter out) {
    TreeMap<String, int[]> byGroup = new TreeMap<>(); // "priority group" -> jobs, completed, retried
    Map<Integer, Integer> byAttempts = new TreeMap<>();
    int exactlyOnce = 0;
    int notCompleted = 0;
    int repeated = 0;
    int failedCallbacks = 0;
    int wrongSum = 0;
    for (Job job : submitted) {
      Seen one = seen.get(job.id());
      int[] counts = byGroup.computeIfAbsent(job.options().priority() + " " + job.options().group(), g -> new int[3]);
      int attempts = job.attempts().size();
      byAttempts.merge(attempts, 1, Integer::sum);
      counts[0]++;
      if (job.status() == JobStatus.COMPLETED) {
        counts[1]++;
      }
      if (attempts > 1) {
        counts[2]++;
      }
      int completions = one.completions.get();
      if (job.status() != JobStatus.COMPLETED || completions == 0) {
        notCompleted++;
      } else if (completions > 1) {
        repeated++;
      }
      if (one.failures.get() > 0) {
        failedCallbacks++;
      }
      if (completions > 0 && !one.rightSum) {
        wrongSum++;
      }
      if (job.status() == JobStatus.COMPLETED && completions == 1 && one.failures.get() == 0 && one.rightSum) {
        exactlyOnce++;
      }
    }
    for (Map.Entry<String, int[]> group : byGroup.descendingMap().entrySet()) {
      String[] key = group.getKey().split(" ", 2);
      int[] counts = group.getValue();
      AtomicLong last = lastDoneByGroup.get(key[1]);
      out.printf(Locale.ROOT, "priority %s %s: %d jobs, %d completed, %d retried, the last done %s%n", key[0], key[1],
          counts[0], counts[1], counts[2],
          last == null ? "never" : String.format(Locale.ROOT, "%.2f s after the first submit", (last.get() - start) / 1e9));
    }
    int retried = submitted.size() - byAttempts.getOrDefault(1, 0) - byAttempts.getOrDefault(0, 0);
    List<String> histogram = new ArrayList<>();
    byAttempts.forEach((attempts, count) -> histogram.add(count + " with " + attempts + " attempt" + (attempts == 1 ? "" : "s")));
    out.printf("retried: %d job%s (%s); scheduler totals: %d submitted, %d completed, %d failed, %d retries%n", retried,
        retried == 1 ? "" : "s", String.join(", ", histogram), summary.totals().submitted(), summary.totals().completed(),
        summary.totals().failed(), summary.totals().retries());
    double seconds = (end - start) / 1e9;
    out.printf(Locale.ROOT, "throughput %.0f jobs/s (%d jobs in %.2f s, which includes waiting out the heartbeat tolerance"
            + " for the killed slave's jobs; %.0f jobs/s until the kill)%n",
        seconds == 0 ? 0 : submitted.size() / seconds, submitted.size(), seconds, beforeKill);
    boolean allOnce = exactlyOnce == submitted.size();
    if (allOnce) {
      out.printf("every job completed exactly once (%d of %d: one onComplete callback per job id, no onFail, every sum right)%n",
          exactlyOnce, submitted.size());
    } else {
      out.printf("NOT every job completed exactly once: %d of %d did; %d not completed (%d not final), %d completed more"
              + " than once, %d with an onFail callback, %d with a wrong sum%n",
          exactlyOnce, submitted.size(), notCompleted, notFinal, repeated, failedCallbacks, wrongSum);
    }
    out.flush();
    return allOnce ? 0 : Main.EXIT_TASK_FAILED;
  }

  private static void atLeast(String name, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(name + " < " + min + ": " + value);
    }
  }
}
