package dev.taskwire.master.cli;

import dev.taskwire.common.json.Json;
import dev.taskwire.master.scheduler.Job;
import dev.taskwire.master.scheduler.JobOptions;
import dev.taskwire.master.scheduler.JobStatus;
import dev.taskwire.master.scheduler.Passing;
import dev.taskwire.master.scheduler.Scheduler;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeoutException;

/**
 * {@code demo --workflow}: jobs that depend on jobs, on the demo's fleet. A diamond (A, then B and
 * C after A, then D after B and C, each passing its upstreams' results the default way, {@link
 * Passing#NEST}) and a fan-out/fan-in (a "split" job, N jobs after it, and a combined job that adds
 * up their sums on the master). Prints each diamond job's result, the data D was sent, the fan-out's
 * counts and the combined total, and checks every one of them; {@link #run()} is 0 only if every job
 * completed with the right result.
 */
final class WorkflowDemo {
  /** Jobs the split fans out to unless {@code --fan-out} says otherwise. */
  static final int DEFAULT_FAN_OUT = 100;
  /** The most jobs it may fan out to: a combined job's most upstreams. */
  static final int MAX_FAN_OUT = JobOptions.MAX_UPSTREAMS;
  /** The longest the demo waits for all its jobs to be final. */
  static final Duration WAIT = DemoCommand.JOB_WAIT;

  private final Scheduler scheduler;
  private final int fanOut;
  private final PrintWriter out;
  private final List<String> wrong = new ArrayList<>();

  WorkflowDemo(Scheduler scheduler, int fanOut, PrintWriter out) {
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler == null");
    this.fanOut = fanOut;
    this.out = Objects.requireNonNull(out, "out == null");
  }

  /** The data of a sum job; ordered, so that the printed data reads a, b, upstream. */
  static Map<String, Object> sum(long a, long b) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("a", a);
    data.put("b", b);
    return data;
  }

  /** Submits both workflows, waits for them, prints and checks what they did; the exit code. */
  int run() throws InterruptedException {
    long start = System.nanoTime();
    Job a = scheduler.submit(sum(1, 2), named("A").build());
    Job b = scheduler.submit(sum(10, 20), named("B").after(a).build());
    Job c = scheduler.submit(sum(100, 200), named("C").after(a).build());
    Job d = scheduler.submit(sum(1_000, 2_000), named("D").after(b, c).build());

    Job split = scheduler.submit(sum(fanOut, 0), named("split").build());
    List<Map<String, Object>> partData = new ArrayList<>(fanOut);
    for (int i = 0; i < fanOut; i++) {
      partData.add(sum(i, 1));
    }
    List<Job> parts = scheduler.submitAll(partData, named("part").after(split).build());
    Job total = scheduler.combine(parts, WorkflowDemo::addUp, named("total").build());

    List<Job> all = new ArrayList<>(List.of(a, b, c, d, split, total));
    all.addAll(parts);
    int notFinal = awaitAll(all, System.nanoTime() + WAIT.toNanos());
    double seconds = (System.nanoTime() - start) / 1e9;

    printDiamond(a, b, c, d);
    printFanOut(split, parts, total);
    if (notFinal > 0) {
      wrong.add(notFinal + " not final within " + WAIT.toSeconds() + " s");
    }
    if (wrong.isEmpty()) {
      out.printf(Locale.ROOT, "every workflow job completed with the right result (%d jobs in %.2f s)%n", all.size(), seconds);
    } else {
      out.printf("NOT every workflow job completed with the right result: %s%n", String.join("; ", wrong));
    }
    out.flush();
    return wrong.isEmpty() ? 0 : Main.EXIT_TASK_FAILED;
  }

  private static JobOptions.Builder named(String name) {
    return JobOptions.builder().name(name);
  }

  /** The combined job's function: the sum of the fan-out jobs' sums. */
  static Map<String, Object> addUp(List<Map<String, Object>> results) {
    long total = 0;
    for (Map<String, Object> result : results) {
      if (!(result.get("sum") instanceof Number sum)) {
        throw new IllegalArgumentException("a result without a numeric sum: " + result);
      }
      total += sum.longValue();
    }
    return Map.of("total", total);
  }

  /** Joins each job until {@code deadline} (System.nanoTime()); how many were not final by then. */
  private static int awaitAll(List<Job> jobs, long deadline) throws InterruptedException {
    int notFinal = 0;
    for (Job job : jobs) {
      try {
        job.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      } catch (TimeoutException e) {
        notFinal++;
      }
    }
    return notFinal;
  }

  private void printDiamond(Job a, Job b, Job c, Job d) {
    printJob("A", a, 3, "");
    printJob("B", b, 30, " (after A)");
    printJob("C", c, 300, " (after A)");
    printJob("D", d, 3_000, " (after B, C)");
    Map<String, Object> sent = d.sentData();
    out.println("diamond D was sent: " + (sent == null ? "nothing (still waiting)" : Json.toString(sent)));
    // NEST: the job's own data, and each upstream's result under its name.
    expectUpstreams("B", b, Map.of("A", a));
    expectUpstreams("C", c, Map.of("A", a));
    expectUpstreams("D", d, Map.of("B", b, "C", c));
  }

  private void printJob(String name, Job job, long expectedSum, String after) {
    out.println("diamond " + name + ": " + job.status() + " " + Json.toString(job.result()) + after);
    if (job.status() != JobStatus.COMPLETED || !hasSum(job.result(), expectedSum)) {
      wrong.add(name + " " + job.status() + " " + Json.toString(job.result()) + ", expected {\"sum\":" + expectedSum + "}");
    }
  }

  /** Checks that {@code job} was sent its upstreams' results nested under their names. */
  private void expectUpstreams(String name, Job job, Map<String, Job> upstreams) {
    Map<String, Object> sent = job.sentData();
    Object nested = sent == null ? null : sent.get(Passing.NEST_KEY);
    Map<String, Object> expected = new LinkedHashMap<>();
    upstreams.forEach((upstreamName, upstream) -> expected.put(upstreamName, upstream.result()));
    if (!(nested instanceof Map<?, ?> map) || !map.equals(expected)) {
      wrong.add(name + " was sent " + (sent == null ? "nothing" : Json.toString(sent)) + ", not its upstreams' results "
          + Json.toString(expected));
    }
  }

  private void printFanOut(Job split, List<Job> parts, Job total) {
    int completed = 0;
    int failed = 0;
    int rightSum = 0;
    int rightData = 0;
    Map<String, Object> splitResult = split.result();
    for (int i = 0; i < parts.size(); i++) {
      Job part = parts.get(i);
      if (part.status() == JobStatus.COMPLETED) {
        completed++;
      } else if (part.status().isFinal()) {
        failed++;
      }
      if (hasSum(part.result(), i + 1L)) {
        rightSum++;
      }
      Map<String, Object> sent = part.sentData();
      if (sent != null && Map.of("split", Objects.requireNonNullElse(splitResult, Map.of())).equals(sent.get(Passing.NEST_KEY))) {
        rightData++;
      }
    }
    int notFinal = parts.size() - completed - failed;
    out.printf("fan-out: split %s %s; %d jobs after it: %d completed, %d failed, %d not final, %d with the right sum,"
            + " %d sent the split's result%n", split.status(), Json.toString(splitResult), parts.size(), completed, failed,
        notFinal, rightSum, rightData);
    if (split.status() != JobStatus.COMPLETED || !hasSum(splitResult, fanOut)) {
      wrong.add("split " + split.status() + " " + Json.toString(splitResult));
    }
    if (rightSum != parts.size() || rightData != parts.size()) {
      wrong.add((parts.size() - rightSum) + " fan-out jobs without the right sum, " + (parts.size() - rightData)
          + " not sent the split's result");
    }
    long expected = (long) fanOut * (fanOut + 1) / 2; // 1 + 2 + ... + fanOut
    Map<String, Object> result = total.result();
    boolean right = total.status() == JobStatus.COMPLETED && result != null && result.get("total") instanceof Number n
        && n.longValue() == expected;
    out.printf("fan-in: total %s on the master: %s, the sum of %d results (expected %d: %s)%n", total.status(),
        Json.toString(result), parts.size(), expected, right ? "right" : "WRONG");
    if (!right) {
      wrong.add("the combined total is " + Json.toString(result) + ", not " + expected);
    }
  }

  private static boolean hasSum(Map<String, Object> result, long expected) {
    return result != null && result.get("sum") instanceof Number sum && sum.longValue() == expected;
  }
}
