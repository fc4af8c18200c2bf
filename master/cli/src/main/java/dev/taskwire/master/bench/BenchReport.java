package dev.taskwire.master.bench;

import dev.taskwire.common.json.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The benchmark's results: a table for people, JSON for machines, and an SVG chart of tasks/s. */
public final class BenchReport {
  /** The goals for the scheduler. */
  static final double GOAL_SCHEDULER_RATIO = 0.90;
  static final double GOAL_SUBMITS_PER_SECOND = 200_000;
  static final double GOAL_BYTES_PER_JOB = 1_024;
  /** The goal for jobs that depend on jobs, against as many independent ones. */
  static final double GOAL_WORKFLOW_RATIO = 0.80;
  /** The goals for the embedded store: jobs/s against in memory, and the time a restart takes to take jobs. */
  static final double GOAL_STORE_RATIO = 0.80;
  static final double GOAL_RESTART_SECONDS = 5;

  private static final String ROW_FORMAT = "%-14s %10s %8s %8s %8s %8s %12s %9s%n";
  private static final String STORE_ROW = "%-14s %10s %8s %8s %11s %7s %7s %9s %9s%n";
  private static final String WORKFLOW_ROW = "%-14s %10s %8s %11s %10s %7s %9s %6s %7s%n";

  private final boolean slavesAsProcesses;
  private final List<ThroughputBench.Measurement> measurements = new ArrayList<>();
  private HeartbeatBench.Result heartbeat;
  private SchedulerBench.Comparison comparison;
  private QueueBench.Result queue;
  private WorkflowBench.Comparison workflow;
  private StoreBench.Comparison store;
  private RestartBench.Result restart;

  public BenchReport(boolean slavesAsProcesses) {
    this.slavesAsProcesses = slavesAsProcesses;
  }

  public void add(ThroughputBench.Measurement measurement) {
    measurements.add(measurement);
  }

  public void heartbeat(HeartbeatBench.Result result) {
    this.heartbeat = result;
  }

  /** The scheduler-vs-direct case. */
  public void schedulerVsDirect(SchedulerBench.Comparison result) {
    this.comparison = result;
  }

  /** The workflow-vs-independent case. */
  public void workflowVsIndependent(WorkflowBench.Comparison result) {
    this.workflow = result;
  }

  /** The store-vs-memory case. */
  public void storeVsMemory(StoreBench.Comparison result) {
    this.store = result;
  }

  /** The restart case. */
  public void restart(RestartBench.Result result) {
    this.restart = result;
  }

  /** The deep-queue case. */
  public void queue(QueueBench.Result result) {
    this.queue = result;
  }

  public void printTable(PrintWriter out) {
    out.printf("Taskwire benchmark on loopback, %d cores, %s, slaves %s%n", Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
        slavesAsProcesses ? "as separate JVMs" : "in-process");
    out.printf(ROW_FORMAT, "case", "tasks/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "cpu us/task", "failed");
    for (ThroughputBench.Measurement m : measurements) {
      printRow(out, m.benchCase().label(), m);
    }
    if (comparison != null) {
      printComparison(out);
    }
    if (workflow != null) {
      printWorkflow(out);
    }
    if (store != null) {
      printStore(out);
    }
    if (restart != null) {
      printRestart(out);
    }
    if (queue != null) {
      printQueue(out);
    }
    if (heartbeat != null) {
      out.printf(Locale.ROOT, "heartbeats: %d slaves every 1 s for %d s: %d sent (%d failed), master CPU %.1f %% of one core, "
              + "heap used %.0f MiB, round trip p99 %.2f ms, false drops %d%n",
          heartbeat.slaves(), heartbeat.seconds(), heartbeat.heartbeats(), heartbeat.failedHeartbeats(),
          heartbeat.masterCpuPercentOfOneCore(), heartbeat.heapUsedBytes() / 1048576.0,
          heartbeat.roundTripNanos().at(0.99) / 1e6, heartbeat.falseDrops());
    }
    out.flush();
  }

  private static void printRow(PrintWriter out, String label, ThroughputBench.Measurement m) {
    printRow(out, label, m, null);
  }

  /** One row of the table; {@code others} (cores other processes used), if not null, as a last column. */
  private static void printRow(PrintWriter out, String label, ThroughputBench.Measurement m, Double others) {
    LoadRunner.Result r = m.result();
    Percentiles p = r.latencyNanos();
    out.printf(Locale.ROOT, "%-14s %10.0f %8.3f %8.3f %8.3f %8.2f %12.1f %9d", label, r.tasksPerSecond(),
        p.at(0.5) / 1e6, p.at(0.9) / 1e6, p.at(0.99) / 1e6, p.max() / 1e6, m.cpuMicrosPerTask(),
        r.failed() + r.startFailed() + r.notFinal());
    out.print(others == null ? "" : others.isNaN() ? String.format(Locale.ROOT, " %7s", "?")
        : String.format(Locale.ROOT, " %7.2f", others));
    out.println();
  }

  private void printComparison(PrintWriter out) {
    SchedulerBench.Comparison c = comparison;
    out.printf(Locale.ROOT, "scheduler vs direct, %s, %d tasks per run, %d rounds of direct then scheduler on one master;"
            + " scheduler runs keep %d jobs outstanding, their latency is from submit (queue wait included);"
            + " others: cores other processes used meanwhile:%n",
        c.benchCase().label(), c.tasks(), c.direct().size(), c.window());
    out.printf(ROW_FORMAT.replace("%n", " %7s%n"), "run", "tasks/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "cpu us/task",
        "failed", "others");
    for (int i = 0; i < c.direct().size(); i++) {
      printRow(out, "direct " + (i + 1), c.direct().get(i), c.directOthers().get(i));
      printRow(out, "scheduler " + (i + 1), c.scheduler().get(i), c.schedulerOthers().get(i));
    }
    double direct = c.medianDirect().result().tasksPerSecond();
    double scheduler = c.medianScheduler().result().tasksPerSecond();
    out.printf(Locale.ROOT, "scheduler vs direct: direct %.0f jobs/s, scheduler %.0f jobs/s (median run of %d each):"
            + " scheduler at %.1f %% of direct (goal >= %.0f %%: %s)%n",
        direct, scheduler, c.direct().size(), 100 * c.ratio(), 100 * GOAL_SCHEDULER_RATIO, met(c.ratio() >= GOAL_SCHEDULER_RATIO));
  }

  private void printWorkflow(PrintWriter out) {
    WorkflowBench.Comparison w = workflow;
    WorkflowBench.Shape shape = w.shape();
    out.printf(Locale.ROOT, "workflow vs independent, %s, %d jobs per run, %d rounds of independent then workflow on one"
            + " master, every job of a run submitted up front; a workflow run is %d chains of %d jobs (each after the one"
            + " before, passing NEST) and %d jobs with one job combined over them on the master; others: cores other"
            + " processes used meanwhile:%n",
        w.benchCase().label(), shape.jobs(), w.independent().size(), shape.chains(), shape.chainLength(), shape.fanIn());
    out.printf(WORKFLOW_ROW, "run", "jobs/s", "seconds", "cpu us/job", "completed", "failed", "not final", "wrong", "others");
    for (int i = 0; i < w.independent().size(); i++) {
      printWorkflowRow(out, "independent " + (i + 1), w.independent().get(i), w.independentOthers().get(i));
      printWorkflowRow(out, "workflow " + (i + 1), w.workflow().get(i), w.workflowOthers().get(i));
    }
    double independent = w.medianIndependent().jobsPerSecond();
    double dependent = w.medianWorkflow().jobsPerSecond();
    out.printf(Locale.ROOT, "workflow vs independent: independent %.0f jobs/s, workflow %.0f jobs/s (median run of %d each):"
            + " workflow at %.1f %% of independent (goal >= %.0f %%: %s)%n",
        independent, dependent, w.independent().size(), 100 * w.ratio(), 100 * GOAL_WORKFLOW_RATIO,
        met(w.ratio() >= GOAL_WORKFLOW_RATIO));
  }

  private static void printWorkflowRow(PrintWriter out, String label, WorkflowBench.Run run, double others) {
    out.printf(Locale.ROOT, WORKFLOW_ROW, label, String.format(Locale.ROOT, "%.0f", run.jobsPerSecond()),
        String.format(Locale.ROOT, "%.2f", run.elapsedNanos() / 1e9), String.format(Locale.ROOT, "%.1f", run.cpuMicrosPerJob()),
        run.completed(), run.failed(), run.notFinal(), run.wrong(),
        Double.isNaN(others) ? "?" : String.format(Locale.ROOT, "%.2f", others));
  }

  private void printStore(PrintWriter out) {
    StoreBench.Comparison c = store;
    out.printf(Locale.ROOT, "store vs memory, %s, %d jobs per run, %d rounds of in-memory then store (a fresh data"
            + " directory in %s), each master with a fleet of its own; runs keep %d jobs outstanding, submitted from %d"
            + " thread%s; others: cores other processes used meanwhile; written: bytes the JVM wrote to disk per job (%s):%n",
        c.benchCase().label(), c.tasks(), c.memory().size(), c.parent(), c.window(), c.submitters(),
        c.submitters() == 1 ? "" : "s",
        c.writtenFromProc() ? "/proc/self/io write_bytes" : "growth of the data directory");
    out.printf(STORE_ROW, "run", "jobs/s", "p50 ms", "p99 ms", "cpu us/job", "failed", "others", "written", "txns/job");
    for (int i = 0; i < c.memory().size(); i++) {
      printStoreRow(out, "memory " + (i + 1), c.memory().get(i), false);
      printStoreRow(out, "store " + (i + 1), c.store().get(i), true);
    }
    double memory = c.medianMemory().measurement().result().tasksPerSecond();
    double stored = c.medianStore().measurement().result().tasksPerSecond();
    out.printf(Locale.ROOT, "store vs memory: memory %.0f jobs/s, store %.0f jobs/s (median run of %d each):"
            + " store at %.1f %% of memory (goal >= %.0f %%: %s)%n",
        memory, stored, c.memory().size(), 100 * c.ratio(), 100 * GOAL_STORE_RATIO, met(c.ratio() >= GOAL_STORE_RATIO));
    out.printf(Locale.ROOT, "store: %.0f bytes written to disk per job (in-memory runs: %.0f), %.3f transactions per job,"
            + " %.1f rows per transaction; data directory %.1f MiB at the end%n",
        c.storeWrittenBytesPerJob(), c.memoryWrittenBytesPerJob(), c.transactionsPerJob(), c.rowsPerTransaction(),
        c.dataDirBytes() / 1048576.0);
  }

  private static void printStoreRow(PrintWriter out, String label, StoreBench.Run run, boolean store) {
    LoadRunner.Result r = run.measurement().result();
    int jobs = r.submitted();
    out.printf(Locale.ROOT, STORE_ROW, label, String.format(Locale.ROOT, "%.0f", r.tasksPerSecond()),
        String.format(Locale.ROOT, "%.3f", r.latencyNanos().at(0.5) / 1e6),
        String.format(Locale.ROOT, "%.3f", r.latencyNanos().at(0.99) / 1e6),
        String.format(Locale.ROOT, "%.1f", run.measurement().cpuMicrosPerTask()), r.failed() + r.startFailed() + r.notFinal(),
        Double.isNaN(run.otherCores()) ? "?" : String.format(Locale.ROOT, "%.2f", run.otherCores()),
        String.format(Locale.ROOT, "%.0f", run.writtenBytesPerJob()),
        store && jobs > 0 ? String.format(Locale.ROOT, "%.3f", (double) run.transactions() / jobs) : "-");
  }

  private void printRestart(PrintWriter out) {
    RestartBench.Result r = restart;
    out.printf(Locale.ROOT, "restart: %d jobs of %d B queued by a first master with no slave in %.2f s, data directory"
            + " %.1f MiB; a second master on it took jobs after %.2f s (open %.2f s, build with every job read back %.2f s,"
            + " start %.2f s, first submit %.3f s), %d jobs queued then (goal <= %.0f s: %s)%n",
        r.jobs(), r.payloadBytes(), r.fillNanos() / 1e9, r.dataDirBytes() / 1048576.0, r.untilTakingJobsNanos() / 1e9,
        r.openNanos() / 1e9, r.buildNanos() / 1e9, r.startNanos() / 1e9, r.submitNanos() / 1e9, r.queuedAfter(),
        GOAL_RESTART_SECONDS, met(r.allBack() && r.untilTakingJobsNanos() / 1e9 <= GOAL_RESTART_SECONDS));
  }

  private void printQueue(PrintWriter out) {
    QueueBench.Result q = queue;
    out.printf(Locale.ROOT, "queue: %d jobs submitted from one thread, no slave connected, in %.2f s (%.2f s of it in GC):"
            + " %.0f submits/s (goal >= %.0f/s: %s)%n",
        q.jobs(), q.submitNanos() / 1e9, q.submitGcMillis() / 1e3, q.submitsPerSecond(), GOAL_SUBMITS_PER_SECOND,
        met(q.submitsPerSecond() >= GOAL_SUBMITS_PER_SECOND));
    out.printf(Locale.ROOT, "queue: heap per queued job %.0f bytes beyond its data (retained heap +%.1f MiB with %d jobs"
            + " queued, their data maps %.1f MiB) (goal <= %.0f bytes: %s)%n",
        q.bytesPerJobBeyondData(), q.heapBytes() / 1048576.0, q.jobs(), q.dataBytes() / 1048576.0, GOAL_BYTES_PER_JOB,
        met(q.bytesPerJobBeyondData() <= GOAL_BYTES_PER_JOB));
    out.printf(Locale.ROOT, "queue: drained by %s slaves in %.2f s: %.0f jobs/s (%d completed, %d failed, %d not final)%n",
        q.drainCase().slaves() + "x" + q.drainCase().slots(), q.drainNanos() / 1e9, q.drainJobsPerSecond(),
        q.completed(), q.failed(), q.notFinal());
  }

  private static String met(boolean met) {
    return met ? "met" : "NOT MET";
  }

  public void writeJson(Path file) throws IOException {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("cores", Runtime.getRuntime().availableProcessors());
    root.put("java", System.getProperty("java.version"));
    root.put("slavesAsProcesses", slavesAsProcesses);
    List<Map<String, Object>> cases = new ArrayList<>();
    for (ThroughputBench.Measurement m : measurements) {
      LoadRunner.Result r = m.result();
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("slaves", m.benchCase().slaves());
      row.put("slots", m.benchCase().slots());
      row.put("payloadBytes", m.benchCase().payloadBytes());
      row.put("tasks", r.submitted());
      row.put("tasksPerSecond", Math.round(r.tasksPerSecond()));
      row.put("p50Ms", r.latencyNanos().at(0.5) / 1e6);
      row.put("p90Ms", r.latencyNanos().at(0.9) / 1e6);
      row.put("p99Ms", r.latencyNanos().at(0.99) / 1e6);
      row.put("maxMs", r.latencyNanos().max() / 1e6);
      row.put("cpuMicrosPerTask", m.cpuMicrosPerTask());
      row.put("completed", r.completed());
      row.put("failed", r.failed() + r.startFailed() + r.notFinal());
      cases.add(row);
    }
    root.put("throughput", cases);
    if (heartbeat != null) {
      Map<String, Object> hb = new LinkedHashMap<>();
      hb.put("slaves", heartbeat.slaves());
      hb.put("seconds", heartbeat.seconds());
      hb.put("heartbeats", heartbeat.heartbeats());
      hb.put("failedHeartbeats", heartbeat.failedHeartbeats());
      hb.put("masterCpuPercentOfOneCore", heartbeat.masterCpuPercentOfOneCore());
      hb.put("heapUsedBytes", heartbeat.heapUsedBytes());
      hb.put("roundTripP99Ms", heartbeat.roundTripNanos().at(0.99) / 1e6);
      hb.put("falseDrops", heartbeat.falseDrops());
      root.put("heartbeat", hb);
    }
    if (comparison != null) {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("slaves", comparison.benchCase().slaves());
      c.put("slots", comparison.benchCase().slots());
      c.put("payloadBytes", comparison.benchCase().payloadBytes());
      c.put("tasksPerRun", comparison.tasks());
      c.put("window", comparison.window());
      c.put("direct", runsJson(comparison.direct(), comparison.directOthers()));
      c.put("scheduler", runsJson(comparison.scheduler(), comparison.schedulerOthers()));
      c.put("directMedianTasksPerSecond", Math.round(comparison.medianDirect().result().tasksPerSecond()));
      c.put("schedulerMedianTasksPerSecond", Math.round(comparison.medianScheduler().result().tasksPerSecond()));
      c.put("ratio", comparison.ratio());
      root.put("schedulerVsDirect", c);
    }
    if (workflow != null) {
      Map<String, Object> w = new LinkedHashMap<>();
      w.put("slaves", workflow.benchCase().slaves());
      w.put("slots", workflow.benchCase().slots());
      w.put("payloadBytes", workflow.benchCase().payloadBytes());
      w.put("chains", workflow.shape().chains());
      w.put("chainLength", workflow.shape().chainLength());
      w.put("fanIn", workflow.shape().fanIn());
      w.put("passing", "NEST");
      w.put("jobsPerRun", workflow.shape().jobs());
      w.put("independent", workflowRunsJson(workflow.independent(), workflow.independentOthers()));
      w.put("workflow", workflowRunsJson(workflow.workflow(), workflow.workflowOthers()));
      w.put("independentMedianJobsPerSecond", Math.round(workflow.medianIndependent().jobsPerSecond()));
      w.put("workflowMedianJobsPerSecond", Math.round(workflow.medianWorkflow().jobsPerSecond()));
      w.put("ratio", workflow.ratio());
      root.put("workflowVsIndependent", w);
    }
    if (store != null) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("slaves", store.benchCase().slaves());
      s.put("slots", store.benchCase().slots());
      s.put("payloadBytes", store.benchCase().payloadBytes());
      s.put("dataDirParent", store.parent().toString());
      s.put("tasksPerRun", store.tasks());
      s.put("window", store.window());
      s.put("submitters", store.submitters());
      s.put("memory", storeRunsJson(store.memory()));
      s.put("store", storeRunsJson(store.store()));
      s.put("memoryMedianJobsPerSecond", Math.round(store.medianMemory().measurement().result().tasksPerSecond()));
      s.put("storeMedianJobsPerSecond", Math.round(store.medianStore().measurement().result().tasksPerSecond()));
      s.put("ratio", store.ratio());
      s.put("writtenFrom", store.writtenFromProc() ? "/proc/self/io write_bytes" : "data directory growth");
      s.put("storeWrittenBytesPerJob", Math.round(store.storeWrittenBytesPerJob()));
      s.put("memoryWrittenBytesPerJob", Math.round(store.memoryWrittenBytesPerJob()));
      s.put("transactionsPerJob", store.transactionsPerJob());
      s.put("rowsPerTransaction", store.rowsPerTransaction());
      s.put("dataDirBytes", store.dataDirBytes());
      root.put("storeVsMemory", s);
    }
    if (restart != null) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("jobs", restart.jobs());
      r.put("payloadBytes", restart.payloadBytes());
      r.put("fillSeconds", restart.fillNanos() / 1e9);
      r.put("dataDirBytes", restart.dataDirBytes());
      r.put("openSeconds", restart.openNanos() / 1e9);
      r.put("buildSeconds", restart.buildNanos() / 1e9);
      r.put("startSeconds", restart.startNanos() / 1e9);
      r.put("firstSubmitSeconds", restart.submitNanos() / 1e9);
      r.put("secondsUntilTakingJobs", restart.untilTakingJobsNanos() / 1e9);
      r.put("queuedAfter", restart.queuedAfter());
      root.put("restart", r);
    }
    if (queue != null) {
      Map<String, Object> q = new LinkedHashMap<>();
      q.put("jobs", queue.jobs());
      q.put("submitsPerSecond", Math.round(queue.submitsPerSecond()));
      q.put("submitGcMillis", queue.submitGcMillis());
      q.put("heapBytes", queue.heapBytes());
      q.put("dataBytes", queue.dataBytes());
      q.put("bytesPerJobBeyondData", Math.round(queue.bytesPerJobBeyondData()));
      q.put("drainSlaves", queue.drainCase().slaves());
      q.put("drainSlots", queue.drainCase().slots());
      q.put("drainJobsPerSecond", Math.round(queue.drainJobsPerSecond()));
      q.put("completed", queue.completed());
      q.put("failed", queue.failed());
      q.put("notFinal", queue.notFinal());
      root.put("queue", q);
    }
    Files.writeString(file, Json.toString(root) + "\n", StandardCharsets.UTF_8);
  }

  private static List<Map<String, Object>> runsJson(List<ThroughputBench.Measurement> runs, List<Double> others) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < runs.size(); i++) {
      Map<String, Object> row = runJson(runs.get(i));
      row.put("otherProcessesCores", others.get(i).isNaN() ? null : others.get(i));
      rows.add(row);
    }
    return rows;
  }

  private static List<Map<String, Object>> storeRunsJson(List<StoreBench.Run> runs) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (StoreBench.Run run : runs) {
      Map<String, Object> row = runJson(run.measurement());
      row.put("otherProcessesCores", Double.isNaN(run.otherCores()) ? null : run.otherCores());
      row.put("writtenBytes", run.writtenBytes());
      row.put("transactions", run.transactions());
      row.put("rows", run.rows());
      rows.add(row);
    }
    return rows;
  }

  private static List<Map<String, Object>> workflowRunsJson(List<WorkflowBench.Run> runs, List<Double> others) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < runs.size(); i++) {
      WorkflowBench.Run run = runs.get(i);
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("jobs", run.jobs());
      row.put("jobsPerSecond", Math.round(run.jobsPerSecond()));
      row.put("seconds", run.elapsedNanos() / 1e9);
      row.put("cpuMicrosPerJob", run.cpuMicrosPerJob());
      row.put("completed", run.completed());
      row.put("failed", run.failed());
      row.put("notFinal", run.notFinal());
      row.put("wrong", run.wrong());
      row.put("otherProcessesCores", others.get(i).isNaN() ? null : others.get(i));
      rows.add(row);
    }
    return rows;
  }

  private static Map<String, Object> runJson(ThroughputBench.Measurement m) {
    LoadRunner.Result r = m.result();
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("tasks", r.submitted());
    row.put("tasksPerSecond", Math.round(r.tasksPerSecond()));
    row.put("p50Ms", r.latencyNanos().at(0.5) / 1e6);
    row.put("p99Ms", r.latencyNanos().at(0.99) / 1e6);
    row.put("cpuMicrosPerTask", m.cpuMicrosPerTask());
    row.put("completed", r.completed());
    row.put("failed", r.failed() + r.startFailed() + r.notFinal());
    return row;
  }

  /** A bar chart of tasks/s, one bar per case, grouped by payload size. */
  public void writeSvg(Path file) throws IOException {
    int barWidth = 44;
    int gap = 16;
    int height = 320;
    int top = 40;
    int chartHeight = 200;
    double max = measurements.stream().mapToDouble(m -> m.result().tasksPerSecond()).max().orElse(1);
    int width = Math.max(400, 60 + measurements.size() * (barWidth + gap));
    StringBuilder svg = new StringBuilder();
    svg.append(String.format(Locale.ROOT,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">%n", width, height));
    svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    svg.append("<text x=\"10\" y=\"20\" font-size=\"14\">Taskwire tasks/s by slaves x slots (payload)</text>\n");
    int x = 50;
    for (ThroughputBench.Measurement m : measurements) {
      double value = m.result().tasksPerSecond();
      int bar = (int) Math.round(chartHeight * value / max);
      String color = m.benchCase().slots() == 1 ? "#4e79a7" : "#f28e2b";
      svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>%n",
          x, top + chartHeight - bar, barWidth, bar, color));
      svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%.0f</text>%n",
          x + barWidth / 2, top + chartHeight - bar - 4, value));
      svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
          x + barWidth / 2, top + chartHeight + 16, m.benchCase().slaves() + "x" + m.benchCase().slots()));
      svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
          x + barWidth / 2, top + chartHeight + 30, m.benchCase().label().split(" ")[1]));
      x += barWidth + gap;
    }
    svg.append(String.format(Locale.ROOT, "<line x1=\"45\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
        top + chartHeight, x, top + chartHeight));
    svg.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\">blue: 1 slot per slave, orange: 4 slots</text>%n", height - 20));
    svg.append("</svg>\n");
    Files.writeString(file, svg.toString(), StandardCharsets.UTF_8);
  }
}
