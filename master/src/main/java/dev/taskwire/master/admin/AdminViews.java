package dev.taskwire.master.admin;

import dev.taskwire.master.SlaveConnection;
import dev.taskwire.master.Task;
import dev.taskwire.master.TaskFailure;
import dev.taskwire.master.admin.AdminMessages.AttemptView;
import dev.taskwire.master.admin.AdminMessages.ConnectionView;
import dev.taskwire.master.admin.AdminMessages.EventView;
import dev.taskwire.master.admin.AdminMessages.JobView;
import dev.taskwire.master.admin.AdminMessages.SummaryView;
import dev.taskwire.master.admin.AdminMessages.TaskView;
import dev.taskwire.master.scheduler.Attempt;
import dev.taskwire.master.scheduler.Job;
import dev.taskwire.master.scheduler.JobOptions;
import dev.taskwire.master.scheduler.JobStatus;
import dev.taskwire.master.scheduler.SchedulerEvent;
import dev.taskwire.master.scheduler.SchedulerSummary;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The master's and the scheduler's objects as the admin API shows them: the records of {@link
 * AdminMessages}, names as strings and times as ISO-8601 instants (null until they happen).
 */
final class AdminViews {
  /** Reads of a job that changes meanwhile are repeated until its status holds across them, this often at most. */
  private static final int READS = 10;

  private AdminViews() {}

  static ConnectionView of(SlaveConnection connection) {
    return new ConnectionView(connection.name(), connection.slaveAddress().toString(), connection.state().name(),
        connection.slots(), connection.extensions(), connection.lastHeartbeatAge().toMillis(), connection.tasksInFlight(),
        connection.labels(), connection.freeSlots());
  }

  static TaskView of(Task task) {
    return new TaskView(task.id().value(), task.connection().name(), task.status().name(), task.status().isFinal(),
        task.data(), task.result(), of(task.failure()), text(task.createdAt()), text(task.startedAt()),
        text(task.finishedAt()), task.progress());
  }

  /** {@code failure} as its view; null for null. */
  static TaskView.Failure of(TaskFailure failure) {
    return failure == null ? null : new TaskView.Failure(failure.reason().name(), failure.message());
  }

  static JobView of(Job job) {
    // The job's parts are read one by one: read them again if its status changed meanwhile, so that
    // a view never shows, say, RUNNING with a result.
    JobStatus status;
    Map<String, Object> result;
    TaskFailure failure;
    Instant finishedAt;
    List<Attempt> attempts;
    String waitingFor;
    int reads = 0;
    do {
      status = job.status();
      result = job.result();
      failure = job.failure();
      finishedAt = job.finishedAt();
      attempts = job.attempts();
      waitingFor = job.waitingFor();
    } while (status != job.status() && ++reads < READS);
    JobOptions options = job.options();
    return new JobView(job.id(), status.name(), status.isFinal(), options.priority(), options.group(),
        options.labels(), job.data(), result, of(failure), text(job.submittedAt()), text(finishedAt),
        waitingFor, attempts.stream().map(AdminViews::of).toList(), options.name(), job.upstreams(), job.downstreams(),
        options.passing().name().toLowerCase(Locale.ROOT), job.isCombined(), job.progress());
  }

  static AttemptView of(Attempt attempt) {
    return new AttemptView(attempt.number(), attempt.connection(), attempt.taskId(), text(attempt.dispatchedAt()),
        text(attempt.finishedAt()), attempt.outcome() == null ? null : attempt.outcome().name(), of(attempt.failure()));
  }

  static EventView of(SchedulerEvent event) {
    return new EventView(event.type().name(), text(event.time()), event.job(), event.group(), event.connection(),
        event.attempt(), event.task(), event.reason(), event.message(), event.progress());
  }

  static SummaryView of(SchedulerSummary summary) {
    SchedulerSummary.Totals totals = summary.totals();
    return new SummaryView(summary.queued(), summary.waitingForRetry(), summary.running(), summary.queueCapacity(),
        summary.queuedByPriority(), summary.runningByGroup(), summary.limits(), summary.freeSlots(),
        new SummaryView.Totals(totals.submitted(), totals.completed(), totals.failed(), totals.cancelled(),
            totals.retries()),
        summary.waitingForUpstreams());
  }

  private static String text(Instant instant) {
    return instant == null ? null : instant.toString();
  }
}
