package dev.taskwire.master.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.master.Master;
import dev.taskwire.master.TaskFailure;
import dev.taskwire.master.TestMasters;
import dev.taskwire.master.admin.AdminApi;
import dev.taskwire.master.scheduler.Job;
import dev.taskwire.master.scheduler.JobOptions;
import dev.taskwire.master.scheduler.SchedulerSummary;
import dev.taskwire.slave.Slave;
import dev.taskwire.slave.TestSlaves;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scheduler's commands ({@code submit} without a connection, {@code jobs}, {@code job}, {@code
 * cancel}, {@code watch}, {@code scheduler}), {@code connect --label} and serve's scheduler flags,
 * run in-process against a real master with its admin API and a real slave on loopback.
 */
class SchedulerCliTest {
  /** A label no connection has: a job that requires it stays QUEUED until cancelled. */
  private static final String NOWHERE = "nowhere";

  @RegisterExtension final Servers servers = new Servers();
  @TempDir Path dir;
  private Master master;
  private Slave slave;
  private Path tokenFile;

  /** What one command did. */
  private record Run(int code, String out, String err) {
    List<String> lines() {
      return out.isEmpty() ? List.of() : List.of(out.split("\n"));
    }
  }

  /** Starts the master (its builder as {@code configure} leaves it) and a 4-slot slave. */
  private void start(Consumer<Master.Builder> configure) throws Exception {
    Token token = Token.generate();
    tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, token.value() + "\n");
    Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
    Master.Builder builder = TestMasters.loopback().extension(new AdminApi(token, 1_000));
    configure.accept(builder);
    master = servers.start(builder.build().start());
    // Closed before the master, so that it can still report the tasks it stops.
    slave = servers.start(TestSlaves.loopback().slots(4).gracePeriod(Duration.ofMillis(100)).build().start());
  }

  private void startAndConnect() throws Exception {
    start(builder -> {});
    connect();
  }

  private void connect() {
    Run connect = run("connect", "s1", "127.0.0.1:" + slave.port());
    assertEquals(0, connect.code(), connect.err());
  }

  private Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("TASKWIRE_MASTER", "http://127.0.0.1:" + master.port());
    env.put("TASKWIRE_TOKEN_FILE", tokenFile.toString());
    return env;
  }

  private Run run(String... args) {
    return run(env(), args);
  }

  private Run run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, env, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  /** Submits a job that stays QUEUED (no connection has its label); returns its id. */
  private String submitQueued(String... options) {
    List<String> args = new ArrayList<>(List.of("submit", "{\"a\": 1, \"b\": 2}", "--label", NOWHERE));
    args.addAll(List.of(options));
    Run submit = run(args.toArray(String[]::new));
    assertEquals(0, submit.code(), submit.err());
    return submit.out().trim();
  }

  private SchedulerSummary.Totals totals() {
    return master.scheduler().summary().totals();
  }

  @Test
  void aLongJobShowsItsProgressWhileWaitedForByJobAndBySubmitFile() throws Exception {
    startAndConnect();
    // The demo processor sleeps 3 s in 6 steps, reporting {"done": k, "total": 6} after each; the
    // CLI looks every second, so it sees at least one step before the end.
    String longJob = "{\"a\": 1, \"b\": 2, \"sleepMs\": 3000, \"steps\": 6}";
    String id = run("submit", longJob).out().trim();
    Run job = run("job", id, "--wait");
    assertEquals(0, job.code(), job.err());
    assertTrue(job.err().matches("(?s)(job " + id + ": progress [1-6]/6\n)+"), job.err());
    assertTrue(job.out().lines().anyMatch(line -> line.startsWith("progress: {") && line.contains("\"total\":6")), job.out());

    Path file = dir.resolve("long.jsonl");
    Files.writeString(file, longJob + "\n");
    Run submit = run("submit", "--file", file.toString());
    assertEquals(0, submit.code(), submit.err());
    assertTrue(submit.err().matches("(?s).*line 1: progress [1-6]/6\n.*"), submit.err());
  }

  @Test
  void submitJsonWithoutANameQueuesAJobAndPrintsItsId() throws Exception {
    startAndConnect();
    Run submit = run("submit", "{\"a\": 2, \"b\": 3}");
    assertEquals(0, submit.code(), submit.err());
    String id = submit.out().trim();
    assertTrue(id.matches("[0-9a-f-]{36}"), id);
    Run job = run("job", id, "--wait");
    assertEquals(0, job.code(), job.err());
    List<String> lines = job.lines();
    assertEquals("id: " + id, lines.get(0));
    assertEquals("status: COMPLETED", lines.get(1));
    assertTrue(lines.contains("result: {\"sum\":5}"), job.out());
    assertTrue(lines.contains("attempts: 1"), job.out());
    String attempt = lines.get(lines.size() - 1);
    assertTrue(attempt.matches("  1\\. s1 task [0-9a-f-]{36}, dispatched \\S+Z, finished \\S+Z, COMPLETED"), attempt);
    assertEquals(1, totals().submitted());
  }

  @Test
  void submitJsonWaitPrintsTheResultAndExitsByTheJobsStatus() throws Exception {
    startAndConnect();
    Run completed = run("submit", "{\"a\": 2, \"b\": 3}", "--wait");
    assertEquals(0, completed.code(), completed.err());
    assertEquals("{\"sum\":5}\n", completed.out());

    Run failed = run("submit", "{\"fail\": true}", "--wait");
    assertEquals(Main.EXIT_TASK_FAILED, failed.code());
    assertEquals("{\"error\":\"requested failure\"}\n", failed.out());
    assertTrue(failed.err().matches("job [0-9a-f-]{36} FAILED: SLAVE_FAILED: .*\n"), failed.err());

    Run stillQueued = run("submit", "{\"a\": 1, \"b\": 1}", "--label", NOWHERE, "--wait", "--wait-limit", "200ms");
    assertEquals(Main.EXIT_TASK_FAILED, stillQueued.code(), "not final when the wait gave up");
    assertEquals("null\n", stillQueued.out());
    assertTrue(stillQueued.err().matches("job [0-9a-f-]{36} QUEUED\n"), stillQueued.err());
  }

  @Test
  void jobOptionsReachTheMaster() throws Exception {
    startAndConnect();
    String id = submitQueued("--priority", "7", "--group", "g1", "--label", "gpu,zone=eu", "--timeout", "5s",
        "--queue-timeout", "10m", "--deadline", "1h", "--attempts", "4", "--retry-on", "SLAVE_FAILED,TIMEOUT");
    JobOptions options = master.scheduler().job(id).orElseThrow().options();
    assertEquals(7, options.priority());
    assertEquals("g1", options.group());
    assertEquals(List.of("gpu", NOWHERE, "zone=eu"), options.labels());
    assertEquals(Duration.ofSeconds(5), options.timeout());
    assertEquals(Duration.ofMinutes(10), options.queueTimeout());
    assertEquals(Duration.ofHours(1), options.deadline());
    assertEquals(4, options.maxAttempts());
    assertEquals(Set.of(TaskFailure.Reason.SLAVE_FAILED, TaskFailure.Reason.TIMEOUT), options.retryOn());

    Run job = run("job", id);
    assertEquals(0, job.code(), "not final, not waited for: 0");
    List<String> lines = job.lines();
    assertTrue(lines.contains("status: QUEUED"), job.out());
    assertTrue(lines.contains("priority: 7"), job.out());
    assertTrue(lines.contains("group: g1"), job.out());
    assertTrue(lines.contains("labels: gpu, nowhere, zone=eu"), job.out());
    assertTrue(lines.stream().anyMatch(line -> line.startsWith("waiting for: ") && line.length() > 13), job.out());
    assertTrue(lines.contains("attempts: 0"), job.out());

    Map<String, Object> json = Json.parseObject(run("job", id, "--json").out());
    assertEquals(id, json.get("id"));
    assertEquals(7, json.get("priority"));

    // Without options, the job takes the scheduler's defaults.
    JobOptions defaults = master.scheduler().job(submitQueued()).orElseThrow().options();
    assertEquals(JobOptions.DEFAULTS.priority(), defaults.priority());
    assertEquals(JobOptions.DEFAULT_GROUP, defaults.group());
    assertEquals(JobOptions.DEFAULT_MAX_ATTEMPTS, defaults.maxAttempts());
    assertEquals(Duration.ZERO, defaults.timeout());
  }

  @Test
  void timeoutIsEachAttemptsRunTimeoutForJobsAndTasks() throws Exception {
    startAndConnect();
    String slow = "{\"a\": 1, \"b\": 2, \"sleepMs\": 30000}";
    Run job = run("submit", slow, "--timeout", "200ms", "--attempts", "1", "--wait");
    assertEquals(Main.EXIT_TASK_FAILED, job.code());
    assertTrue(job.err().contains(" FAILED: TIMEOUT: "), job.err());

    Run task = run("submit", "s1", slow, "--timeout", "200ms", "--wait");
    assertEquals(Main.EXIT_TASK_FAILED, task.code());
    assertTrue(task.err().contains(" FAILED: TIMEOUT: "), task.err());

    Run noWait = run("submit", "s1", "{\"a\": 1, \"b\": 2}", "--timeout", "5s");
    assertEquals(0, noWait.code(), noWait.err());
    Run shown = run("task", noWait.out().trim(), "--wait", "--wait-limit", "30s");
    assertEquals(0, shown.code(), shown.err());
    assertEquals("status: COMPLETED\nresult: {\"sum\":3}\n", shown.out());
  }

  @Test
  void badJobOptionsAreUsageErrorsAndNothingIsSubmitted() throws Exception {
    startAndConnect();
    Map<List<String>, String> cases = new java.util.LinkedHashMap<>();
    cases.put(List.of("submit", "{}", "--attempts", "0"),
        "taskwire-master submit: Invalid value for option '--attempts': 0 (maxAttempts must be 1..100, got 0)");
    cases.put(List.of("submit", "{}", "--group", "no spaces"), "taskwire-master submit: Invalid value for option"
        + " '--group': no spaces (a group must be 1 to 128 characters of ASCII letters, digits and . _ - : @, starting"
        + " with a letter or digit)");
    cases.put(List.of("submit", "{}", "--label", "ok,not ok"), "taskwire-master submit: Invalid value for option"
        + " '--label': ok,not ok (a label must be 1 to 64 characters of ASCII letters, digits and . _ - : = /, starting"
        + " with a letter or digit; got \"not ok\")");
    cases.put(List.of("submit", "{}", "--retry-on", "LOST"), "taskwire-master submit: Invalid value for option"
        + " '--retry-on': LOST (SLAVE_FAILED and TIMEOUT may be retried; LOST and START_FAILED always are)");
    cases.put(List.of("submit", "{}", "--timeout", "-1s"),
        "taskwire-master submit: Invalid value for option '--timeout': not a duration");
    cases.put(List.of("submit", "{}", "--window", "5"), "taskwire-master submit: --window applies to --file only");
    cases.put(List.of("submit", "s1", "{}", "--priority", "3"), "taskwire-master submit: --priority applies to jobs of"
        + " the scheduler: leave out NAME to submit to the scheduler");
    cases.put(List.of("submit", "{}", "{}"), "taskwire-master submit: Give one JSON: a first argument starting with { is"
        + " the data of a job, and a connection name never has {");
    cases.put(List.of("submit", "{\"a\": 1}", "--file", "x.jsonl"),
        "taskwire-master submit: Give either JSON or --file, not both and not neither");
    cases.put(List.of("submit", "{not json"), "taskwire-master submit: Invalid value for JSON: it is not valid JSON");
    for (Map.Entry<List<String>, String> c : cases.entrySet()) {
      Run run = run(c.getKey().toArray(String[]::new));
      assertEquals(2, run.code(), c.getKey() + ": " + run.err());
      assertTrue(run.err().startsWith(c.getValue()), c.getKey() + ":\n" + run.err());
      assertEquals(1, run.err().split("\n").length, "one line: " + run.err());
    }
    assertEquals(0, totals().submitted());
  }

  @Test
  void fileWithoutANameGoesToTheSchedulerAndWritesEachLineInInputOrder() throws Exception {
    startAndConnect();
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      lines.add(i == 41 ? "{\"fail\": true}" : "{\"a\": " + i + ", \"b\": 1000}");
      if (i % 10 == 0) {
        lines.add("   ");
      }
    }
    Path jobs = dir.resolve("jobs.jsonl");
    Files.write(jobs, lines, StandardCharsets.UTF_8);
    Path results = dir.resolve("results.jsonl");
    Run run = run("submit", "--file", jobs.toString(), "--out", results.toString(), "--batch", "7", "--window", "30",
        "--group", "file-1");
    assertEquals(Main.EXIT_TASK_FAILED, run.code(), "one job failed: " + run.err());
    assertEquals("", run.out());
    assertTrue(run.err().endsWith("100 job(s): 99 completed, 1 not\n"), run.err());
    assertTrue(run.err().contains("submit: 100/100"), run.err());

    List<String> written = Files.readAllLines(results);
    assertEquals(100, written.size());
    int expectedLine = 0;
    for (int i = 0; i < 100; i++) {
      expectedLine += i % 10 == 1 ? 2 : 1; // the blank line after every tenth is skipped, and counted
      Map<String, Object> line = Json.parseObject(written.get(i));
      assertEquals(List.of("line", "id", "status", "result", "attempts"),
          new ArrayList<>(line.keySet()).stream().filter(k -> !k.equals("failure")).toList());
      assertEquals(lines.indexOf(i == 41 ? "{\"fail\": true}" : "{\"a\": " + i + ", \"b\": 1000}") + 1, line.get("line"));
      Job job = master.scheduler().job((String) line.get("id")).orElseThrow();
      assertEquals("file-1", job.options().group());
      assertEquals(1, line.get("attempts"));
      if (i == 41) {
        assertEquals("FAILED", line.get("status"));
        assertEquals(Map.of("error", "requested failure"), line.get("result"));
        assertEquals("SLAVE_FAILED", ((Map<?, ?>) line.get("failure")).get("reason"));
      } else {
        assertEquals("COMPLETED", line.get("status"));
        assertEquals(Map.of("sum", 1000 + i), line.get("result"));
        assertNull(line.get("failure"));
      }
    }
    assertTrue(expectedLine > 100);
    assertEquals(100, totals().submitted());
  }

  @Test
  void aBadLineIsAUsageErrorNamingItAndNothingIsSubmitted() throws Exception {
    startAndConnect();
    Path jobs = dir.resolve("jobs.jsonl");
    Files.writeString(jobs, "{\"a\": 1, \"b\": 2}\n\n[1, 2]\n{\"a\": 3, \"b\": 4}\n");
    Run run = run("submit", "--file", jobs.toString());
    assertEquals(2, run.code());
    assertEquals("", run.out());
    assertTrue(run.err().startsWith("taskwire-master submit: Invalid value for option '--file': line 3: "), run.err());
    assertEquals(1, run.err().split("\n").length, run.err());

    Files.write(jobs, new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xff, '"', '}', '\n'});
    Run notUtf8 = run("submit", "--file", jobs.toString());
    assertEquals(2, notUtf8.code());
    assertEquals("taskwire-master submit: Invalid value for option '--file': line 1: it is not UTF-8\n", notUtf8.err());

    Run notUtf8ToAConnection = run("submit", "some-connection", "--file", jobs.toString());
    assertEquals(2, notUtf8ToAConnection.code());
    assertEquals("taskwire-master submit: Invalid value for option '--file': " + jobs + " is not UTF-8 text\n",
        notUtf8ToAConnection.err());

    Run missing = run("submit", "--file", dir.resolve("missing.jsonl").toString());
    assertEquals(2, missing.code());
    assertEquals("taskwire-master submit: Invalid value for option '--file': no such file " + dir.resolve("missing.jsonl")
        + "\n", missing.err());

    Run summary = run("scheduler", "--json");
    assertEquals(0, summary.code(), summary.err());
    Map<?, ?> totals = (Map<?, ?>) Json.parseObject(summary.out()).get("totals");
    assertEquals(0, totals.get("submitted"), "nothing submitted: " + summary.out());
  }

  @Test
  @Timeout(120)
  void aFileLargerThanTheQueueRunsWithinItAndAnswersEveryLineOnceInOrder() throws Exception {
    start(builder -> builder.queueCapacity(50));
    connect();
    Path jobs = dir.resolve("jobs.jsonl");
    Files.write(jobs, IntStream.range(0, 2_000).mapToObj(i -> "{\"a\": " + i + ", \"b\": 1}").toList());
    // Batches of 100 are larger than the queue: the first is refused QUEUE_FULL and split to fit, and
    // a window of 200 keeps more jobs outstanding than the queue holds, so full queues are backed off.
    Run run = run("submit", "--file", jobs.toString(), "--window", "200", "--batch", "100");
    assertEquals(0, run.code(), run.err());
    assertTrue(run.err().endsWith("2000 job(s): 2000 completed, 0 not\n"), run.err());
    List<String> written = run.lines();
    assertEquals(2_000, written.size());
    Set<Object> ids = new HashSet<>();
    for (int i = 0; i < 2_000; i++) {
      Map<String, Object> line = Json.parseObject(written.get(i));
      assertEquals(i + 1, line.get("line"));
      assertEquals("COMPLETED", line.get("status"), written.get(i));
      assertEquals(Map.of("sum", i + 1), line.get("result"));
      assertTrue(ids.add(line.get("id")), "one job per line: " + written.get(i));
    }
    SchedulerSummary summary = master.scheduler().summary();
    assertEquals(50, summary.queueCapacity());
    assertEquals(2_000, summary.totals().submitted(), "each line submitted once: a refused batch queued none");
    assertEquals(2_000, summary.totals().completed());
  }

  @Test
  void cancelCancelsOneJobAGroupOrEverythingAndPrintsHowMany() throws Exception {
    startAndConnect();
    String one = submitQueued();
    submitQueued("--group", "g1");
    submitQueued("--group", "g1");
    submitQueued("--group", "g2");
    submitQueued();

    assertEquals(new Run(0, "cancelled 1 job\n", ""), run("cancel", one));
    assertEquals(new Run(0, "cancelled 0 jobs (" + one + " was already final)\n", ""), run("cancel", one));
    assertEquals(new Run(0, "cancelled 2 jobs\n", ""), run("cancel", "--group", "g1"));
    assertEquals(new Run(0, "cancelled 0 jobs\n", ""), run("cancel", "--group", "g1"));

    // What to cancel is only what was typed, never the environment.
    Map<String, String> env = env();
    env.put("TASKWIRE_ALL", "true");
    env.put("TASKWIRE_GROUP", "g2");
    Run fromEnv = run(env, "cancel");
    assertEquals(2, fromEnv.code());
    assertEquals("taskwire-master cancel: Give exactly one of ID, --group and --all\n", fromEnv.err());
    assertEquals(2, run("cancel", one, "--all").code());
    assertEquals(2, run("cancel", "--group", "not a group").code());

    assertEquals(new Run(0, "cancelled 2 jobs\n", ""), run("cancel", "--all"));
    assertEquals(5, totals().cancelled());

    Run unknown = run("cancel", "no-such-job");
    assertEquals(Main.EXIT_TASK_FAILED, unknown.code());
    assertTrue(unknown.err().startsWith("taskwire-master cancel: no job no-such-job "), unknown.err());
    assertTrue(unknown.err().endsWith("(HTTP 404, code 1002)\n"), unknown.err());
  }

  @Test
  void jobsListsATableOrJsonLinesFilteredByStatusAndGroup() throws Exception {
    startAndConnect();
    assertEquals(0, run("submit", "{\"a\": 1, \"b\": 1}", "--wait").code());
    Run failedRun = run("submit", "{\"fail\": true}", "--wait", "--group", "bad", "--priority", "2");
    assertEquals(Main.EXIT_TASK_FAILED, failedRun.code());
    String queued1 = submitQueued("--group", "g");
    String queued2 = submitQueued("--group", "g", "--priority", "9");

    Run table = run("jobs");
    assertEquals(0, table.code(), table.err());
    List<String> rows = table.lines();
    assertEquals(5, rows.size(), table.out());
    assertTrue(rows.get(0).matches("ID\\s+STATUS\\s+PRIORITY\\s+GROUP\\s+ATTEMPTS\\s+WAITING-FOR/FAILURE"), rows.get(0));
    // Newest first.
    assertTrue(rows.get(1).matches(Pattern.quote(queued2) + "\\s+QUEUED\\s+9\\s+g\\s+0\\s+\\S.*"), rows.get(1));
    assertTrue(rows.get(2).matches(Pattern.quote(queued1) + "\\s+QUEUED\\s+0\\s+g\\s+0\\s+\\S.*"), rows.get(2));
    assertTrue(rows.get(3).matches("[0-9a-f-]{36}\\s+FAILED\\s+2\\s+bad\\s+1\\s+SLAVE_FAILED: .+"), rows.get(3));
    assertTrue(rows.get(4).matches("[0-9a-f-]{36}\\s+COMPLETED\\s+0\\s+default\\s+1"), rows.get(4));

    Run queued = run("jobs", "--status", "QUEUED");
    assertEquals(3, queued.lines().size(), queued.out());
    Run json = run("jobs", "--group", "g", "--json");
    assertEquals(0, json.code(), json.err());
    assertEquals(2, json.lines().size(), json.out());
    for (String line : json.lines()) {
      Map<String, Object> job = Json.parseObject(line);
      assertEquals("QUEUED", job.get("status"));
      assertEquals("g", job.get("group"));
      assertEquals(List.of(NOWHERE), job.get("labels"));
    }
    assertEquals(2, run("jobs", "--limit", "1").lines().size());

    Run badStatus = run("jobs", "--status", "DONE");
    assertEquals(2, badStatus.code());
    assertTrue(badStatus.err().startsWith("taskwire-master jobs: Invalid value for option '--status': "), badStatus.err());
    Run badLimit = run("jobs", "--limit", "0");
    assertEquals(2, badLimit.code());
    assertEquals("taskwire-master jobs: Invalid value for option '--limit': 0 (limit not in 1..10000: 0)\n", badLimit.err());
  }

  @Test
  void jobShowsEachAttemptAndExitsByStatus() throws Exception {
    startAndConnect();
    Run submit = run("submit", "{\"fail\": true}", "--attempts", "2", "--retry-on", "SLAVE_FAILED");
    String id = submit.out().trim();
    Run job = run("job", id, "--wait");
    assertEquals(Main.EXIT_TASK_FAILED, job.code(), job.out());
    List<String> lines = job.lines();
    assertTrue(lines.contains("status: FAILED"), job.out());
    assertTrue(lines.contains("reason: RETRIES_EXHAUSTED: 2 attempts; the last ended SLAVE_FAILED: the slave reported a"
        + " failure"), job.out());
    assertTrue(lines.stream().anyMatch(line -> line.startsWith("finished: ")), job.out());
    assertTrue(lines.contains("result: {\"error\":\"requested failure\"}"), job.out());
    assertTrue(lines.contains("attempts: 2"), job.out());
    for (int n = 1; n <= 2; n++) {
      assertTrue(lines.get(lines.size() - 3 + n).matches("  " + n + "\\. s1 task [0-9a-f-]{36}, dispatched \\S+Z,"
          + " finished \\S+Z, FAILED: SLAVE_FAILED: .+"), job.out());
    }
    assertEquals(1, totals().retries());

    Run unknown = run("job", "no-such-job");
    assertEquals(Main.EXIT_TASK_FAILED, unknown.code());
    assertTrue(unknown.err().startsWith("taskwire-master job: no job no-such-job "), unknown.err());
  }

  /** A writer that counts {@code latch} down once {@code text} was written to it. */
  private static final class Signalling extends Writer {
    private final StringBuffer buffer = new StringBuffer();
    private final String text;
    private final CountDownLatch latch = new CountDownLatch(1);

    Signalling(String text) {
      this.text = text;
    }

    @Override
    public void write(char[] chars, int offset, int length) {
      buffer.append(chars, offset, length);
      if (buffer.indexOf(text) >= 0) {
        latch.countDown();
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}

    @Override
    public String toString() {
      return buffer.toString();
    }
  }

  /** {@code args} run on a thread of its own, with stdout in {@code out} and stderr in {@code err}. */
  private FutureTask<Integer> runInBackground(StringWriter out, Signalling err, String... args) {
    Map<String, String> env = env();
    FutureTask<Integer> task = new FutureTask<>(
        () -> Main.run(args, env, new PrintWriter(out, true), new PrintWriter(err, true)));
    Thread thread = new Thread(task, "test-cli-" + args[0]);
    thread.setDaemon(true);
    thread.start();
    return task;
  }

  @Test
  void watchUntilEmptyPrintsEachEventOfABatchAndExitsAtEmpty() throws Exception {
    startAndConnect();
    StringWriter out = new StringWriter();
    Signalling err = new Signalling("watching the scheduler's events");
    FutureTask<Integer> watch = runInBackground(out, err, "watch", "--until-empty");
    assertTrue(err.latch.await(30, TimeUnit.SECONDS), err::toString);
    Run submit = run("submit", "{\"a\": 2, \"b\": 3}", "--wait");
    assertEquals(0, submit.code(), submit.err());
    assertEquals(0, watch.get(30, TimeUnit.SECONDS), err::toString);
    String[] lines = out.toString().split("\n");
    assertEquals(4, lines.length, out::toString);
    String time = "\\d{4}-\\d\\d-\\d\\dT\\S+Z";
    String job = " job=[0-9a-f-]{36}";
    assertTrue(lines[0].matches(time + " SUBMITTED" + job + "(: .*)?"), lines[0]);
    assertTrue(lines[1].matches(time + " DISPATCHED" + job + " connection=s1 attempt=1(: .*)?"), lines[1]);
    assertTrue(lines[2].matches(time + " COMPLETED" + job + "( connection=s1)? attempt=1(: .*)?"), lines[2]);
    assertTrue(lines[3].matches(time + " EMPTY: nothing queued, nothing running"), lines[3]);
  }

  @Test
  void watchJsonPrintsTheEventsAsJsonLines() throws Exception {
    startAndConnect();
    StringWriter out = new StringWriter();
    Signalling err = new Signalling("watching the scheduler's events");
    FutureTask<Integer> watch = runInBackground(out, err, "watch", "--until-empty", "--json");
    assertTrue(err.latch.await(30, TimeUnit.SECONDS), err::toString);
    Run submit = run("submit", "{\"fail\": true}", "--wait", "--group", "g7");
    assertEquals(Main.EXIT_TASK_FAILED, submit.code(), submit.err());
    assertEquals(0, watch.get(30, TimeUnit.SECONDS), err::toString);
    List<Map<String, Object>> events = out.toString().lines().map(Json::parseObject).toList();
    assertEquals(List.of("SUBMITTED", "DISPATCHED", "FAILED", "EMPTY"), events.stream().map(e -> e.get("type")).toList());
    assertEquals("g7", events.get(1).get("group"));
    assertEquals("s1", events.get(1).get("connection"));
    assertEquals(1, events.get(1).get("attempt"));
    assertEquals("SLAVE_FAILED", events.get(2).get("reason"));
    assertEquals(Set.of("type", "time", "message"), events.get(3).keySet());
  }

  @Test
  void watchEndsWithOneLineAndExit3WhenTheMasterGoesAway() throws Exception {
    startAndConnect();
    StringWriter out = new StringWriter();
    Signalling err = new Signalling("watching the scheduler's events");
    FutureTask<Integer> watch = runInBackground(out, err, "watch");
    assertTrue(err.latch.await(30, TimeUnit.SECONDS), err::toString);
    slave.close();
    master.close();
    assertEquals(Main.EXIT_UNREACHABLE, watch.get(30, TimeUnit.SECONDS), err::toString);
    String[] lines = err.toString().split("\n");
    assertEquals("taskwire-master watch: the master ended the event stream (it is shutting down)", lines[lines.length - 1],
        err::toString);
  }

  @Test
  void schedulerShowsQueuedRunningLimitsFreeSlotsAndTotals() throws Exception {
    startAndConnect();
    master.scheduler().limit("g", 2);
    assertEquals(0, run("submit", "{\"a\": 1, \"b\": 1}", "--wait").code());
    submitQueued("--group", "g", "--priority", "5");
    submitQueued("--group", "g", "--priority", "5");
    submitQueued("--group", "h", "--priority", "5");
    submitQueued();

    Run summary = run("scheduler");
    assertEquals(0, summary.code(), summary.err());
    assertEquals(String.join("\n",
        "queued: 4 of " + dev.taskwire.master.scheduler.Scheduler.DEFAULT_QUEUE_CAPACITY + " (0 waiting for a retry)",
        "running: 0",
        "queued by priority and group:",
        "  priority 5: g 2, h 1",
        "  priority 0: default 1",
        "running by group: none",
        "limits: g 2",
        "free slots: s1 4",
        "totals: submitted 5, completed 1, failed 0, cancelled 0, retries 0") + "\n", summary.out());

    Map<String, Object> json = Json.parseObject(run("scheduler", "--json").out());
    assertEquals(4, json.get("queued"));
    assertEquals(Map.of("g", 2), json.get("limits"));
  }

  @Test
  void connectWithLabelsLetsTheSchedulerRouteJobsThere() throws Exception {
    start(builder -> {});
    Run connect = run("connect", "s1", "127.0.0.1:" + slave.port(), "--label", "gpu", "--label", "zone=eu");
    assertEquals(0, connect.code(), connect.err());
    assertEquals("connected s1 to http://127.0.0.1:" + slave.port() + " (4 slots, labels gpu, zone=eu)\n", connect.out());
    assertEquals(List.of("gpu", "zone=eu"), master.get("s1").labels());
    Run routed = run("submit", "{\"a\": 20, \"b\": 22}", "--label", "gpu", "--label", "zone=eu", "--wait");
    assertEquals(0, routed.code(), routed.err());
    assertEquals("{\"sum\":42}\n", routed.out());

    Run bad = run("connect", "s2", "127.0.0.1:" + slave.port(), "--label", "no spaces");
    assertEquals(2, bad.code());
    assertTrue(bad.err().startsWith("taskwire-master connect: Invalid value for option '--label': no spaces (a label must"),
        bad.err());
  }

  @Test
  void serveTakesTheQueueCapacityAndJobHistoryByFlagOrEnvironment() throws Exception {
    start(builder -> {});
    String token = dir.resolve("serve-token").toString();
    Run capacity = run("serve", "--port", "0", "--admin-token-file", token, "--queue-capacity", "0");
    assertEquals(2, capacity.code());
    assertEquals("taskwire-master serve: Invalid value for option '--queue-capacity': 0 (queueCapacity < 1: 0)\n",
        capacity.err());
    Run history = run("serve", "--port", "0", "--admin-token-file", token, "--job-history", "-3");
    assertEquals(2, history.code());
    assertEquals("taskwire-master serve: Invalid value for option '--job-history': -3 (jobHistory < 1: -3)\n",
        history.err());
    Map<String, String> env = env();
    env.put("TASKWIRE_QUEUE_CAPACITY", "0");
    Run fromEnv = run(env, "serve", "--port", "0", "--admin-token-file", token);
    assertEquals(2, fromEnv.code());
    assertEquals(capacity.err(), fromEnv.err());

    Run help = run("serve", "--help");
    assertTrue(help.out().contains("--queue-capacity=N"), help.out());
    assertTrue(help.out().matches("(?s).*--queue-capacity=N\\s+Most jobs.*\\(default: 100000\\)\\..*"), help.out());
    assertTrue(help.out().matches("(?s).*--job-history=N\\s+Final jobs.*\\(default: 10000\\)\\..*"), help.out());
  }

  @Test
  void helpListsTheSchedulerCommandsAndSubmitsRenamedWait() throws Exception {
    start(builder -> {});
    Run help = run("--help");
    for (String command : List.of("jobs", "job", "cancel", "watch", "scheduler")) {
      assertTrue(Pattern.compile("(?m)^\\s+" + command + "\\s").matcher(help.out()).find(), command + " in\n" + help.out());
    }
    Run submit = run("submit", "--help");
    assertTrue(submit.out().contains("--wait-limit=DURATION"), submit.out());
    assertTrue(submit.out().contains("--timeout=DURATION"), submit.out());
    assertTrue(submit.out().matches("(?s).*--window=N.*\\(default: 2000\\).*"), submit.out());
    Run oldFlag = run("task", "some-id", "--wait", "--timeout", "1s");
    assertEquals(2, oldFlag.code(), "task's wait is --wait-limit now");
  }
}
