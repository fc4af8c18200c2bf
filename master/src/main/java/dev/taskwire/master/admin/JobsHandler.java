package dev.taskwire.master.admin;

import static dev.taskwire.master.admin.AdminErrorCode.BAD_REQUEST;
import static dev.taskwire.master.admin.AdminErrorCode.NOT_FOUND;
import static dev.taskwire.master.admin.Answers.success;

import dev.taskwire.common.http.AsyncAnswer;
import dev.taskwire.common.http.JsonServer;
import dev.taskwire.common.util.Durations;
import dev.taskwire.common.util.LogSafe;
import dev.taskwire.master.admin.AdminMessages.CancelRequest;
import dev.taskwire.master.admin.AdminMessages.Cancelled;
import dev.taskwire.master.admin.AdminMessages.CompleteRequest;
import dev.taskwire.master.admin.AdminMessages.Completed;
import dev.taskwire.master.admin.AdminMessages.JobBatch;
import dev.taskwire.master.admin.AdminMessages.JobIds;
import dev.taskwire.master.admin.AdminMessages.JobList;
import dev.taskwire.master.admin.AdminMessages.JobSubmit;
import dev.taskwire.master.admin.AdminMessages.JobView;
import dev.taskwire.master.admin.AdminMessages.Submitted;
import dev.taskwire.master.admin.AdminMessages.WaitRequest;
import dev.taskwire.master.scheduler.Job;
import dev.taskwire.master.scheduler.JobStatus;
import dev.taskwire.master.scheduler.Scheduler;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** {@code /api/v1/jobs}: the scheduler's jobs, submitted, listed, awaited, cancelled and completed by hand. */
final class JobsHandler {
  /** Jobs {@code GET /api/v1/jobs} lists unless {@code ?limit} says otherwise. */
  static final int DEFAULT_LIST = 100;
  private static final String WAIT_FEWER = "wait for fewer jobs at once";
  private static final String LIST_FEWER = "ask for fewer (a smaller ?limit, or only a ?status or ?group)";

  private final Scheduler scheduler;
  private final JsonServer server;
  private final AnswerBudget budget;
  private final Answers answers;

  JobsHandler(Scheduler scheduler, JsonServer server, AnswerBudget budget, Answers answers) {
    this.scheduler = scheduler;
    this.server = server;
    this.budget = budget;
    this.answers = answers;
  }

  /** {@code POST /api/v1/jobs}: queues one job; answers its id. */
  void submit(Context ctx) {
    // A data body: it carries the job's data.
    JobSubmit request = AdminRequests.job(server.dataBody(ctx));
    Job job = scheduler.submit(request.data(), JobRequests.options(request.options()));
    success(ctx, "Job queued.", new Submitted(job.id()));
  }

  /** {@code POST /api/v1/jobs/batch}: queues all the jobs or none; answers their ids in order. */
  void submitAll(Context ctx) {
    JobBatch request = AdminRequests.batch(server.dataBody(ctx));
    List<Job> jobs = scheduler.submitAll(request.data(), JobRequests.options(request.options()));
    success(ctx, jobs.size() + " jobs queued.", new JobIds(jobs.stream().map(Job::id).toList()));
  }

  /** {@code GET /api/v1/jobs?status=S&group=G&limit=N}: kept jobs, newest first, within the bound on an answer. */
  void list(Context ctx) {
    JobStatus status = status(ctx);
    String group = ctx.queryParam("group") == null ? null : AdminRequests.group(ctx.queryParam("group"), "group");
    int limit = AdminParams.positive(ctx, "limit", DEFAULT_LIST, AdminMessages.MAX_LIST);
    answers.holding(ctx, "Jobs.", new JobList(budget.jobViews(scheduler.jobs(status, group, limit), LIST_FEWER)));
  }

  /** {@code GET /api/v1/jobs/{id}}. */
  void get(Context ctx) {
    answers.holding(ctx, "Job.", AdminViews.of(job(ctx.pathParam("id"))));
  }

  /** {@code GET /api/v1/jobs/{id}/wait?timeout=30s}: the job once final, or as it is at the timeout. */
  void await(Context ctx) {
    Job job = job(ctx.pathParam("id"));
    Duration timeout = AdminParams.wait(ctx, "timeout", AdminMessages.DEFAULT_WAIT);
    // As a task's wait: no HTTP thread held; the job as it is when final (callbacks run) or at the timeout.
    answers.when(ctx, job.future().completeOnTimeout(job, timeout.toNanos(), TimeUnit.NANOSECONDS),
        j -> AsyncAnswer.Body.success(j.status().isFinal() ? "Job final." : "Job not final yet.", AdminViews.of(j)));
  }

  /** {@code POST /api/v1/jobs/wait}: the jobs once all are final, or as they are at the timeout, in the order asked. */
  void awaitAll(Context ctx) {
    // A data body: 10,000 ids take more than a control body's 64 KiB.
    WaitRequest request = AdminRequests.await(server.dataBody(ctx));
    Duration timeout = request.timeout() == null ? AdminMessages.DEFAULT_WAIT : request.timeout();
    if (timeout.compareTo(AdminMessages.MAX_WAIT) > 0) {
      throw BAD_REQUEST.exception("timeout must be at most " + Durations.format(AdminMessages.MAX_WAIT) + ", got "
          + Durations.format(timeout));
    }
    List<Job> jobs = new ArrayList<>(request.ids().size());
    for (String id : request.ids()) {
      jobs.add(job(id)); // every id known before any wait
    }
    // Sized now, with what the jobs hold so far (a refusal need not wait), and again with their results.
    budget.jobViews(jobs, WAIT_FEWER);
    CompletableFuture<?>[] finals = jobs.stream().map(Job::future).toArray(CompletableFuture[]::new);
    answers.when(ctx, CompletableFuture.allOf(finals).completeOnTimeout(null, timeout.toNanos(), TimeUnit.NANOSECONDS),
        ignored -> {
          List<JobView> views = budget.jobViews(jobs, WAIT_FEWER);
          boolean allFinal = views.stream().allMatch(JobView::isFinal);
          return AsyncAnswer.Body.success(allFinal ? "Jobs final." : "Not every job final yet.", new JobList(views));
        });
  }

  /** {@code DELETE /api/v1/jobs/{id}}: cancels one job. */
  void cancel(Context ctx) {
    boolean cancelled = job(ctx.pathParam("id")).cancel();
    success(ctx, cancelled ? "Job cancelled." : "Job already final.", new Cancelled(cancelled ? 1 : 0));
  }

  /** {@code POST /api/v1/jobs/cancel}: cancels a group's jobs, or every job. */
  void cancelMany(Context ctx) {
    CancelRequest request = AdminRequests.cancel(server.body(ctx));
    int cancelled = request.group() != null ? scheduler.cancelGroup(request.group()) : scheduler.cancelAll();
    success(ctx, cancelled + " jobs cancelled.", new Cancelled(cancelled));
  }

  /** {@code POST /api/v1/jobs/{id}/complete}: completes a job by hand with the result given. */
  void complete(Context ctx) {
    Job job = job(ctx.pathParam("id"));
    // A data body: it carries a result.
    CompleteRequest request = AdminRequests.complete(server.dataBody(ctx));
    boolean completed = job.complete(request.result());
    success(ctx, completed ? "Job completed." : "Job already final.", new Completed(completed));
  }

  /** The kept job {@code id}; 404 naming it if there is none. */
  private Job job(String id) {
    return scheduler.job(id).orElseThrow(() -> NOT_FOUND.exception("no job " + LogSafe.escape(id) + " (every job not"
        + " final is kept, and only the last " + scheduler.jobHistory() + " final ones)"));
  }

  /** The {@code ?status} query parameter, a {@link JobStatus} name; null if absent. */
  private static JobStatus status(Context ctx) {
    String text = ctx.queryParam("status");
    if (text == null) {
      return null;
    }
    for (JobStatus status : JobStatus.values()) {
      if (status.name().equals(text)) {
        return status;
      }
    }
    throw BAD_REQUEST.exception("status must be one of " + Arrays.toString(JobStatus.values()) + ", got '"
        + LogSafe.escape(text) + "'");
  }
}
