package dev.taskwire.master.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.json.Json;
import dev.taskwire.master.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark with tiny counts, so that it cannot rot. It asserts what was measured, never how fast. */
class BenchCommandTest {
  @TempDir Path dir;

  @Test
  @Timeout(120)
  void tinyBenchmarkWritesTableJsonAndChart() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new String[] {"bench", "--slaves", "1,2", "--slots", "1,2", "--payloads", "100,4096",
        "--bench-tasks", "40", "--warmup", "5", "--jit-warmup", "20", "--scheduler-rounds", "2", "--workflow-rounds", "0", "--store-rounds", "0",
        "--restart-jobs", "0", "--queue-jobs", "300",
        "--heartbeat-slaves", "20", "--heartbeat-warmup", "1", "--heartbeat-seconds", "2", "--out", dir.toString()},
        Map.of(), new PrintWriter(out, true), new PrintWriter(err, true));
    assertEquals(0, code, err::toString);
    String table = out.toString();
    for (String label : List.of("1x1 100B", "1x2 100B", "2x1 100B", "2x2 100B", "1x1 4KiB", "2x2 4KiB")) {
      assertTrue(table.contains(label), label + " in\n" + table);
    }
    assertTrue(table.contains("heartbeats: 20 slaves every 1 s for 2 s"), table);
    assertTrue(table.contains("false drops 0"), table);
    assertTrue(table.contains("\nscheduler vs direct, 4x4 100B, 40 tasks per run, 2 rounds of direct then scheduler on one master;"
        + " scheduler runs keep 32 jobs outstanding"), table);
    for (String run : List.of("direct 1", "scheduler 1", "direct 2", "scheduler 2")) {
      // ... failed, then the cores other processes used meanwhile ("?" where /proc/stat cannot tell)
      assertTrue(Pattern.compile("(?m)^" + run + " +\\d+ .* 0 +([0-9]+\\.[0-9]{2}|\\?)$").matcher(table).find(),
          run + " with 0 failed in\n" + table);
    }
    assertTrue(Pattern.compile("(?m)^scheduler vs direct: direct \\d+ jobs/s, scheduler \\d+ jobs/s \\(median run of 2 each\\):"
        + " scheduler at [0-9.]+ % of direct \\(goal >= 90 %: (met|NOT MET)\\)$").matcher(table).find(), table);
    assertTrue(Pattern.compile("(?m)^queue: 300 jobs submitted from one thread, no slave connected, in [0-9.]+ s \\([0-9.]+ s of it"
        + " in GC\\): \\d+ submits/s \\(goal >= 200000/s: (met|NOT MET)\\)$").matcher(table).find(), table);
    assertTrue(Pattern.compile("(?m)^queue: heap per queued job -?\\d+ bytes beyond its data \\(retained heap [+-][0-9.]+ MiB"
        + " with 300 jobs queued, their data maps -?[0-9.]+ MiB\\) \\(goal <= 1024 bytes: (met|NOT MET)\\)$").matcher(table).find(), table);
    assertTrue(Pattern.compile("(?m)^queue: drained by 4x4 slaves in [0-9.]+ s: \\d+ jobs/s \\(300 completed, 0 failed, 0 not final\\)$")
        .matcher(table).find(), table);

    Map<String, Object> json = Json.parseObject(Files.readString(dir.resolve("bench.json")));
    List<?> cases = (List<?>) json.get("throughput");
    assertEquals(8, cases.size());
    for (Object row : cases) {
      Map<?, ?> measured = (Map<?, ?>) row;
      assertEquals(40, measured.get("tasks"));
      assertEquals(40, measured.get("completed"), measured.toString());
      assertEquals(0, measured.get("failed"));
    }
    Map<?, ?> comparison = (Map<?, ?>) json.get("schedulerVsDirect");
    for (String mode : List.of("direct", "scheduler")) {
      List<?> runs = (List<?>) comparison.get(mode);
      assertEquals(2, runs.size(), mode);
      for (Object run : runs) {
        assertEquals(40, ((Map<?, ?>) run).get("completed"), mode + " " + run);
        assertEquals(0, ((Map<?, ?>) run).get("failed"), mode + " " + run);
        assertTrue(((Map<?, ?>) run).containsKey("otherProcessesCores"), mode + " " + run);
      }
    }
    assertTrue(((Number) comparison.get("ratio")).doubleValue() > 0, comparison::toString);
    Map<?, ?> queue = (Map<?, ?>) json.get("queue");
    assertEquals(300, queue.get("jobs"));
    assertEquals(300, queue.get("completed"), queue::toString);
    assertEquals(0, queue.get("failed"));
    assertEquals(0, queue.get("notFinal"));
    Map<?, ?> heartbeat = (Map<?, ?>) json.get("heartbeat");
    assertEquals(0, heartbeat.get("falseDrops"));
    assertTrue(((Number) heartbeat.get("heartbeats")).intValue() > 0);

    String svg = Files.readString(dir.resolve("bench.svg"));
    assertTrue(svg.startsWith("<svg"), svg);
    assertEquals(8, svg.split("<rect x=").length - 1, "one bar per case");
  }

  @Test
  @Timeout(120)
  void slavesAsProcessesRunTheCasesWithSlaveJvmsLoggingToTheOutputDirectory() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new String[] {"bench", "--slaves", "2", "--slots", "1", "--payloads", "100", "--bench-tasks", "20",
        "--warmup", "0", "--jit-warmup", "0", "--scheduler-rounds", "0", "--workflow-rounds", "0", "--store-rounds", "0",
        "--restart-jobs", "0", "--queue-jobs", "0", "--heartbeat-slaves", "0",
        "--slaves-as-processes", "--out", dir.toString()}, Map.of(), new PrintWriter(out, true), new PrintWriter(err, true));
    assertEquals(0, code, err::toString);
    assertTrue(out.toString().contains("slaves as separate JVMs"), out::toString);
    assertTrue(Pattern.compile("(?m)^2x1 100B +\\d+ .* 0$").matcher(out.toString()).find(), out::toString);
    for (int i = 0; i < 2; i++) {
      String log = Files.readString(dir.resolve("bench-slave-" + i + ".log"));
      assertTrue(log.contains("Taskwire slave listening on http://127.0.0.1:"), log);
    }
    Map<String, Object> json = Json.parseObject(Files.readString(dir.resolve("bench.json")));
    assertEquals(null, json.get("schedulerVsDirect"), "--scheduler-rounds 0 skips the case");
    assertEquals(null, json.get("queue"), "--queue-jobs 0 skips the case");
    assertEquals(null, json.get("workflowVsIndependent"), "--workflow-rounds 0 skips the case");
    assertEquals(null, json.get("storeVsMemory"), "--store-rounds 0 skips the case");
    assertEquals(null, json.get("restart"), "--restart-jobs 0 skips the case");
  }

  @Test
  @Timeout(120)
  void tinyWorkflowCaseComparesChainsAndAFanInWithIndependentJobs() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    // 5 chains of 3 and a fan-in of 20 with its combined job: 36 jobs per run.
    int code = Main.run(new String[] {"bench", "--slaves", "1", "--slots", "1", "--payloads", "100", "--bench-tasks", "10",
        "--warmup", "0", "--jit-warmup", "0", "--scheduler-rounds", "0", "--store-rounds", "0", "--restart-jobs", "0",
        "--queue-jobs", "0", "--heartbeat-slaves", "0", "--workflow-rounds", "2", "--workflow-chains", "5",
        "--workflow-chain-length", "3", "--workflow-fan-in", "20",
        "--out", dir.toString()}, Map.of(), new PrintWriter(out, true), new PrintWriter(err, true));
    assertEquals(0, code, err::toString);
    String table = out.toString();
    assertTrue(table.contains("\nworkflow vs independent, 4x4 100B, 36 jobs per run, 2 rounds of independent then workflow on one"
        + " master, every job of a run submitted up front; a workflow run is 5 chains of 3 jobs (each after the one before,"
        + " passing NEST) and 20 jobs with one job combined over them on the master;"), table);
    for (String run : List.of("independent 1", "workflow 1", "independent 2", "workflow 2")) {
      // jobs/s, seconds, cpu us/job, then 36 completed, 0 failed, 0 not final, 0 wrong, and the others column
      assertTrue(Pattern.compile("(?m)^" + run + " +\\d+ +[0-9.]+ +[0-9.]+ +36 +0 +0 +0 +([0-9]+\\.[0-9]{2}|\\?)$")
          .matcher(table).find(), run + " with 36 completed in\n" + table);
    }
    assertTrue(Pattern.compile("(?m)^workflow vs independent: independent \\d+ jobs/s, workflow \\d+ jobs/s \\(median run of 2"
        + " each\\): workflow at [0-9.]+ % of independent \\(goal >= 80 %: (met|NOT MET)\\)$").matcher(table).find(), table);

    Map<String, Object> json = Json.parseObject(Files.readString(dir.resolve("bench.json")));
    Map<?, ?> workflow = (Map<?, ?>) json.get("workflowVsIndependent");
    assertEquals(36, workflow.get("jobsPerRun"));
    assertEquals("NEST", workflow.get("passing"));
    for (String mode : List.of("independent", "workflow")) {
      List<?> runs = (List<?>) workflow.get(mode);
      assertEquals(2, runs.size(), mode);
      for (Object run : runs) {
        Map<?, ?> measured = (Map<?, ?>) run;
        assertEquals(36, measured.get("completed"), mode + " " + run);
        assertEquals(0, measured.get("failed"), mode + " " + run);
        assertEquals(0, measured.get("notFinal"), mode + " " + run);
        assertEquals(0, measured.get("wrong"), mode + " " + run);
      }
    }
    assertTrue(((Number) workflow.get("ratio")).doubleValue() > 0, workflow::toString);
  }

  @Test
  @Timeout(120)
  void tinyStoreCaseComparesTheStoreWithMemoryAndCountsTheDiskWritten() throws Exception {
    Path stores = Files.createDirectory(dir.resolve("stores"));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new String[] {"bench", "--slaves", "1", "--slots", "1", "--payloads", "100", "--bench-tasks", "200",
        "--warmup", "20", "--jit-warmup", "0", "--scheduler-rounds", "0", "--workflow-rounds", "0", "--queue-jobs", "0",
        "--heartbeat-slaves", "0", "--store-rounds", "2", "--store-submitters", "4", "--restart-jobs", "0",
        "--store-dir", stores.toString(), "--out", dir.toString()},
        Map.of(), new PrintWriter(out, true), new PrintWriter(err, true));
    assertEquals(0, code, err::toString);
    String table = out.toString();
    assertTrue(table.contains("\nstore vs memory, 4x4 100B, 200 jobs per run, 2 rounds of in-memory then store (a fresh data"
        + " directory in " + stores + "), each master with a fleet of its own; runs keep 32 jobs outstanding, submitted from 4"
        + " threads;"), table);
    for (String run : List.of("memory 1", "store 1", "memory 2", "store 2")) {
      // jobs/s, p50, p99, cpu us/job, 0 failed, others, bytes written per job, transactions per job ("-" in memory)
      assertTrue(Pattern.compile("(?m)^" + run + " +\\d+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +0 +([0-9]+\\.[0-9]{2}|\\?) +-?\\d+"
          + " +([0-9]+\\.[0-9]{3}|-)$").matcher(table).find(), run + " with 0 failed in\n" + table);
    }
    assertTrue(Pattern.compile("(?m)^store vs memory: memory \\d+ jobs/s, store \\d+ jobs/s \\(median run of 2 each\\):"
        + " store at [0-9.]+ % of memory \\(goal >= 80 %: (met|NOT MET)\\)$").matcher(table).find(), table);
    assertTrue(Pattern.compile("(?m)^store: \\d+ bytes written to disk per job \\(in-memory runs: -?\\d+\\), [0-9.]+ transactions"
        + " per job, [0-9.]+ rows per transaction; data directory [0-9.]+ MiB at the end$").matcher(table).find(), table);

    Map<String, Object> json = Json.parseObject(Files.readString(dir.resolve("bench.json")));
    Map<?, ?> store = (Map<?, ?>) json.get("storeVsMemory");
    assertEquals(200, store.get("tasksPerRun"));
    assertEquals(4, store.get("submitters"));
    for (String mode : List.of("memory", "store")) {
      List<?> runs = (List<?>) store.get(mode);
      assertEquals(2, runs.size(), mode);
      for (Object run : runs) {
        Map<?, ?> measured = (Map<?, ?>) run;
        assertEquals(200, measured.get("completed"), mode + " " + run);
        assertEquals(0, measured.get("failed"), mode + " " + run);
        assertTrue(((Number) measured.get("tasksPerSecond")).longValue() > 0, mode + " " + run);
        long transactions = ((Number) measured.get("transactions")).longValue();
        if (mode.equals("memory")) {
          assertEquals(0L, transactions, "no store, no transactions: " + run);
        } else {
          // Every job is written at least once (its submit); group commit may gather many in one transaction.
          assertTrue(transactions > 0, run::toString);
          assertTrue(((Number) measured.get("rows")).longValue() >= 200, run::toString);
        }
      }
    }
    assertTrue(((Number) store.get("ratio")).doubleValue() > 0, store::toString);
    assertTrue(((Number) store.get("storeMedianJobsPerSecond")).longValue() > 0, store::toString);
    assertTrue(((Number) store.get("transactionsPerJob")).doubleValue() > 0, store::toString);
    assertTrue(((Number) store.get("rowsPerTransaction")).doubleValue() >= 1, store::toString);
    assertTrue(((Number) store.get("dataDirBytes")).longValue() > 0, store::toString);
    if ("/proc/self/io write_bytes".equals(store.get("writtenFrom"))) {
      // 200 jobs, each written to the database's log and synced: some bytes for each, surely more than the in-memory runs'.
      assertTrue(((Number) store.get("storeWrittenBytesPerJob")).longValue() > 0, store::toString);
      assertTrue(((Number) store.get("storeWrittenBytesPerJob")).longValue()
          > ((Number) store.get("memoryWrittenBytesPerJob")).longValue(), store::toString);
    }

    try (var left = Files.list(stores)) {
      assertEquals(List.of(), left.toList(), "the data directory is removed");
    }
  }

  @Test
  @Timeout(120)
  void tinyRestartCaseTimesAMasterOnADataDirectoryWithQueuedJobsUntilItTakesJobs() throws Exception {
    Path stores = Files.createDirectory(dir.resolve("stores"));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new String[] {"bench", "--slaves", "1", "--slots", "1", "--payloads", "100", "--bench-tasks", "20",
        "--warmup", "0", "--jit-warmup", "0", "--scheduler-rounds", "0", "--workflow-rounds", "0", "--store-rounds", "0",
        "--queue-jobs", "0", "--heartbeat-slaves", "0", "--restart-jobs", "1000", "--store-dir", stores.toString(),
        "--out", dir.toString()}, Map.of(), new PrintWriter(out, true), new PrintWriter(err, true));
    assertEquals(0, code, err::toString);
    String table = out.toString();
    assertTrue(Pattern.compile("(?m)^restart: 1000 jobs of 100 B queued by a first master with no slave in [0-9.]+ s, data"
        + " directory [0-9.]+ MiB; a second master on it took jobs after [0-9.]+ s \\(open [0-9.]+ s, build with every job"
        + " read back [0-9.]+ s, start [0-9.]+ s, first submit [0-9.]+ s\\), 1001 jobs queued then \\(goal <= 5 s:"
        + " (met|NOT MET)\\)$").matcher(table).find(), table);

    Map<String, Object> json = Json.parseObject(Files.readString(dir.resolve("bench.json")));
    assertEquals(null, json.get("storeVsMemory"), "--store-rounds 0 skips the case");
    Map<?, ?> restart = (Map<?, ?>) json.get("restart");
    assertEquals(1000, restart.get("jobs"));
    assertEquals(100, restart.get("payloadBytes"));
    assertEquals(1001, restart.get("queuedAfter"), "every queued job back, and the first submit: " + restart);
    assertTrue(((Number) restart.get("dataDirBytes")).longValue() > 1000 * 100, "1000 jobs of 100 B on disk: " + restart);
    assertTrue(((Number) restart.get("fillSeconds")).doubleValue() > 0, restart::toString);
    double parts = 0;
    for (String part : List.of("openSeconds", "buildSeconds", "startSeconds", "firstSubmitSeconds")) {
      double seconds = ((Number) restart.get(part)).doubleValue();
      assertTrue(seconds > 0, part + " in " + restart);
      parts += seconds;
    }
    assertEquals(parts, ((Number) restart.get("secondsUntilTakingJobs")).doubleValue(), 1e-6, restart::toString);
    try (var left = Files.list(stores)) {
      assertEquals(List.of(), left.toList(), "the data directory is removed");
    }
  }

  @Test
  void moreStoreSubmittersThanJobsOutstandingAreRefused() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new String[] {"bench", "--store-submitters", "33", "--out", dir.toString()}, Map.of(),
        new PrintWriter(out, true), new PrintWriter(err, true));
    assertEquals(2, code, err::toString);
    assertTrue(err.toString().contains("Invalid value for option '--store-submitters': 33 (store-submitters > 32 (the jobs kept"
        + " outstanding): 33)"), err::toString);
  }

  @Test
  void negativeStoreRoundsAreRefused() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new String[] {"bench", "--store-rounds", "-1", "--out", dir.toString()}, Map.of(),
        new PrintWriter(out, true), new PrintWriter(err, true));
    assertEquals(2, code, err::toString);
    assertTrue(err.toString().contains("Invalid value for option '--store-rounds': -1 (store-rounds < 0: -1)"), err::toString);
  }

  @Test
  void percentilesUseNearestRank() {
    Percentiles p = new Percentiles(new long[] {5, 1, 4, 2, 3});
    assertEquals(1, p.at(0.0));
    assertEquals(3, p.at(0.5));
    assertEquals(5, p.at(0.99));
    assertEquals(5, p.max());
    assertEquals(0, new Percentiles(new long[0]).at(0.5));
  }
}
