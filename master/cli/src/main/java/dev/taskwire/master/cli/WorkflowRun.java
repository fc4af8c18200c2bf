package dev.taskwire.master.cli;

import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.util.Durations;
import dev.taskwire.master.admin.AdminMessages.JobRequest;
import dev.taskwire.master.admin.AdminMessages.JobView;
import dev.taskwire.master.admin.AdminResponseException;
import dev.taskwire.master.admin.MasterClient;
import dev.taskwire.master.scheduler.Passing;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code submit --file} of a {@link WorkflowFile}: every line submitted as a job, each after the
 * jobs of the lines it names, then each waited for and written in file order.
 *
 * <p>Lines are submitted in the file's {@link WorkflowFile#order() order}, so that the ids of a
 * line's upstreams are known when it is sent; its {@code dependsOn} is those ids, its job's name
 * its name (the key of its result in a NEST downstream's data). The options of a request are
 * shared by all its jobs, so only consecutive lines without a name and with the same upstreams
 * go in one request (at most {@code batch}); a full queue is backed off and the same request sent
 * again, as for a plain file. A line the master refuses is not submitted, and neither is any line
 * after it: those are written FAILED with reason UPSTREAM_FAILED, as the master itself fails a job
 * whose upstream failed, and so is a line refused because one of its upstreams had already failed
 * (its job could never have run).
 *
 * <p>Everything is submitted before the first line is written: the whole file is in memory
 * anyway, and the order of submits is not the order of the output.
 */
final class WorkflowRun {
  /** What a line of a job the master no longer keeps says. */
  static final String FORGOTTEN = "the master no longer keeps this job: keep a workflow file shorter than serve's"
      + " --job-history";

  private final MasterClient client;
  private final JobRequest options;
  private final String passing;
  private final Duration waitLimit;
  private final ResultLines out;
  private int batch;

  // By index into the file's steps:
  private String[] ids; // the job's id; null if not submitted
  private long[] submittedAt; // System.nanoTime() of its submit
  private Map<String, Object>[] unsent; // the output line of one not submitted

  /**
   * A run that submits with {@code options} (every line) and {@code passing} (every line with
   * {@code after}), at most {@code batch} jobs per request, waits for each job at most {@code
   * waitLimit} from its submit, and writes the lines to {@code target}.
   */
  WorkflowRun(MasterClient client, JobRequest options, Passing passing, int batch, Duration waitLimit,
      PrintWriter target, Progress progress) {
    this.client = client;
    this.options = options;
    this.passing = passing.name().toLowerCase(Locale.ROOT);
    this.batch = batch;
    this.waitLimit = waitLimit;
    this.out = new ResultLines(target, progress);
  }

  /** Lines written. */
  int lines() {
    return out.lines();
  }

  /** Lines whose job completed. */
  int completed() {
    return out.completed();
  }

  /**
   * Submits every line of {@code workflow}, then writes one line per job, in file order.
   *
   * @throws AdminResponseException.QueueFull if the queue stayed full for the whole wait limit
   * @throws IOException if the master could not be reached
   */
  @SuppressWarnings("unchecked")
  void run(WorkflowFile workflow) throws IOException {
    List<WorkflowFile.Step> steps = workflow.steps();
    ids = new String[steps.size()];
    submittedAt = new long[steps.size()];
    unsent = new Map[steps.size()];
    List<Integer> request = new ArrayList<>();
    for (int index : workflow.order()) {
      WorkflowFile.Step step = steps.get(index);
      if (!request.isEmpty() && !sameRequest(steps, request.get(0), step, request.size())) {
        // Sent now, before the line is looked at: it may be after a line of this request.
        submit(steps, request);
        request = new ArrayList<>();
      }
      Map<String, Object> upstreamFailed = upstreamNotSubmitted(steps, step);
      if (upstreamFailed != null) {
        unsent[index] = upstreamFailed;
        continue;
      }
      request.add(index);
    }
    if (!request.isEmpty()) {
      submit(steps, request);
    }
    writeAll(steps);
  }

  /** Whether {@code step} may go in the request that starts with line {@code first} and has {@code size} lines. */
  private boolean sameRequest(List<WorkflowFile.Step> steps, int first, WorkflowFile.Step step, int size) {
    WorkflowFile.Step head = steps.get(first);
    return size < batch && head.name() == null && step.name() == null && Arrays.equals(head.after(), step.after());
  }

  /** The output line of {@code step} if one of its upstreams was not submitted (so neither can it be); else null. */
  private Map<String, Object> upstreamNotSubmitted(List<WorkflowFile.Step> steps, WorkflowFile.Step step) {
    for (int upstream : step.after()) {
      if (ids[upstream] == null) {
        WorkflowFile.Step up = steps.get(upstream);
        Object status = unsent[upstream].get("status");
        String how = "NOT_SUBMITTED".equals(status) ? "was not submitted (the master refused it)"
            : "ended " + status + " (" + ((Map<?, ?>) unsent[upstream].get("failure")).get("reason") + ")";
        return upstreamFailedLine(step, null, "its upstream " + up.name() + " (line " + up.line() + ") " + how
            + ", so this line was not submitted");
      }
    }
    return null;
  }

  /**
   * Submits the lines {@code indices} (same upstreams, no name) in one request, backing off while
   * the queue is full; a request the master refuses as bad is sent again line by line, to find the
   * line it is about.
   */
  private void submit(List<WorkflowFile.Step> steps, List<Integer> indices) throws IOException {
    WorkflowFile.Step head = steps.get(indices.get(0));
    List<String> upstreamIds = new ArrayList<>(head.after().length);
    for (int upstream : head.after()) {
      upstreamIds.add(ids[upstream]);
    }
    JobRequest request = upstreamIds.isEmpty() ? options.withDependencies(head.name(), null, null)
        : options.withDependencies(head.name(), upstreamIds, passing);
    List<Map<String, Object>> data = indices.stream().map(i -> steps.get(i).data()).toList();
    Duration backoff = JobFileRun.FIRST_BACKOFF;
    long giveUp = System.nanoTime() + waitLimit.toNanos();
    while (true) {
      try {
        List<String> submitted = data.size() == 1 ? List.of(client.submitJob(data.get(0), request))
            : client.submitJobs(data, request);
        long now = System.nanoTime();
        for (int k = 0; k < indices.size(); k++) {
          ids[indices.get(k)] = submitted.get(k);
          submittedAt[indices.get(k)] = now;
        }
        return;
      } catch (AdminResponseException.QueueFull full) {
        if (full.capacity() > 0 && data.size() > full.capacity()) {
          batch = full.capacity(); // never fits: every request from now on is at most the queue
          for (int from = 0; from < indices.size(); from += batch) {
            submit(steps, indices.subList(from, Math.min(from + batch, indices.size())));
          }
          return;
        }
        if (System.nanoTime() - giveUp > 0) {
          throw full;
        }
        pause(backoff);
        backoff = Durations.doubledUpTo(backoff, JobFileRun.MAX_BACKOFF);
      } catch (AdminResponseException.Unauthorized e) {
        throw e;
      } catch (ResponseException refused) {
        if (!(refused.httpStatus() == 413 || refused instanceof AdminResponseException.BadRequest)) {
          throw refused;
        }
        if (indices.size() > 1) {
          for (int index : indices) {
            submit(steps, List.of(index));
          }
        } else {
          unsent[indices.get(0)] = refusedLine(steps, head, upstreamIds, refused);
        }
        return;
      }
    }
  }

  /**
   * The output line of {@code step}, refused: FAILED UPSTREAM_FAILED if one of its upstreams had
   * ended failed or cancelled by then (which is why the master refuses a job after it), else
   * NOT_SUBMITTED with the master's answer.
   */
  private Map<String, Object> refusedLine(List<WorkflowFile.Step> steps, WorkflowFile.Step step, List<String> upstreamIds,
      ResponseException refused) throws IOException {
    for (int k = 0; k < upstreamIds.size(); k++) {
      JobView upstream;
      try {
        upstream = client.job(upstreamIds.get(k));
      } catch (AdminResponseException.NotFound forgotten) {
        continue;
      }
      if ("FAILED".equals(upstream.status()) || "CANCELLED".equals(upstream.status())) {
        WorkflowFile.Step up = steps.get(step.after()[k]);
        String reason = upstream.failure() == null ? "" : " (" + JobCommand.failure(upstream.failure()) + ")";
        return upstreamFailedLine(step, upstream.id(), "its upstream " + up.name() + " (line " + up.line() + ") ended "
            + upstream.status() + reason + " before this line was submitted");
      }
    }
    return JobFileRun.refusedLine(step.line(), refused);
  }

  /** The output line of a line not submitted because of its upstream ({@code upstreamId}, null if not submitted either). */
  private static Map<String, Object> upstreamFailedLine(WorkflowFile.Step step, String upstreamId, String message) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("line", step.line());
    line.put("id", null);
    line.put("status", "FAILED");
    // As the master's own UPSTREAM_FAILED job shows it.
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("error", "upstream-failed");
    result.put("upstream", upstreamId);
    line.put("result", result);
    line.put("failure", Map.of("reason", "UPSTREAM_FAILED", "message", message));
    line.put("attempts", 0);
    return line;
  }

  /** Waits about {@code backoff} for room in the queue, which the jobs already submitted make as they end. */
  private static void pause(Duration backoff) throws InterruptedIOException {
    try {
      Thread.sleep(backoff.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while the queue was full");
    }
  }

  /**
   * Writes every line in file order: each run of up to {@code batch} lines is waited for (in long
   * polls, each job at most the wait limit from its submit) and written.
   */
  private void writeAll(List<WorkflowFile.Step> steps) throws IOException {
    for (int from = 0; from < steps.size(); from += batch) {
      int to = Math.min(from + batch, steps.size());
      List<String> waitFor = new ArrayList<>();
      long deadline = Long.MIN_VALUE;
      for (int i = from; i < to; i++) {
        if (ids[i] != null) {
          waitFor.add(ids[i]);
          long own = submittedAt[i] + waitLimit.toNanos();
          deadline = deadline == Long.MIN_VALUE || own - deadline > 0 ? own : deadline;
        }
      }
      List<JobView> views = List.of();
      if (!waitFor.isEmpty()) {
        do {
          views = JobFileRun.await(client, waitFor,
              MasterClient.longPoll(Duration.ofNanos(deadline - System.nanoTime())));
        } while (!views.stream().allMatch(JobFileRun::isFinal) && deadline - System.nanoTime() > 0);
      }
      int view = 0;
      for (int i = from; i < to; i++) {
        out.write(ids[i] == null ? unsent[i]
            : JobFileRun.jobLine(steps.get(i).line(), ids[i], views.get(view++), FORGOTTEN));
      }
      out.flush();
    }
  }
}
