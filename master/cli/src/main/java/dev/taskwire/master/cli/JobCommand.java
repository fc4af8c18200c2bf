package dev.taskwire.master.cli;

import dev.taskwire.common.json.Json;
import dev.taskwire.master.admin.AdminMessages.AttemptView;
import dev.taskwire.master.admin.AdminMessages.JobView;
import dev.taskwire.master.admin.AdminMessages.TaskView;
import dev.taskwire.master.admin.MasterClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code job ID [--wait]}: prints a job of the scheduler with its attempts. */
@Command(name = "job", mixinStandardHelpOptions = true, usageHelpWidth = 100,
    description = "Shows a job of the scheduler: status, options, reason if it failed, result, and each attempt.")
final class JobCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @Mixin ClientOptions options;

  @Parameters(index = "0", paramLabel = "ID", description = "The job id.")
  String id;

  @Option(names = "--wait", description = "Wait until the job is final.")
  boolean await;

  @Option(names = "--wait-limit", paramLabel = "DURATION", description = "Longest wait with --wait (default: ${DEFAULT-VALUE}).")
  Duration waitLimit;

  @Option(names = "--json", description = "Print the job as one JSON object, as the admin API answers it.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    MasterClient client = options.client(spec.commandLine());
    JobView job;
    if (await) {
      ProgressLine progress = new ProgressLine("job " + id, spec.commandLine().getErr(), Progress.stderrIsTerminal());
      job = client.awaitJobFinal(id, waitLimit, TaskCommand.PROGRESS_POLL, view -> progress.show(view.progress()));
      progress.finish();
    } else {
      job = client.job(id);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(Json.toString(job));
    } else {
      print(out, job);
    }
    return exitCode(job, await);
  }

  /** The job's fields one per line, then one line per attempt. */
  static void print(PrintWriter out, JobView job) {
    out.println("id: " + job.id());
    out.println("status: " + job.status());
    out.println("priority: " + job.priority());
    out.println("group: " + job.group());
    out.println("labels: " + (job.labels().isEmpty() ? "-" : String.join(", ", job.labels())));
    out.println("submitted: " + job.submittedAt());
    if (job.finishedAt() != null) {
      out.println("finished: " + job.finishedAt());
    }
    if (job.waitingFor() != null) {
      out.println("waiting for: " + job.waitingFor());
    }
    if (job.progress() != null) {
      out.println("progress: " + Json.toString(job.progress()));
    }
    if (job.failure() != null) {
      out.println("reason: " + failure(job.failure()));
    }
    out.println("result: " + Json.toString(job.result()));
    out.println("attempts: " + job.attempts().size());
    for (AttemptView attempt : job.attempts()) {
      out.println("  " + attempt.number() + ". " + attempt.connection() + " task " + attempt.task()
          + ", dispatched " + attempt.dispatchedAt()
          + (attempt.finishedAt() == null ? ", running" : ", finished " + attempt.finishedAt() + ", " + attempt.outcome())
          + (attempt.failure() == null ? "" : ": " + failure(attempt.failure())));
    }
  }

  /** {@code REASON: message}. */
  static String failure(TaskView.Failure failure) {
    return failure.reason() + ": " + failure.message();
  }

  /**
   * 1 for a job that failed or was cancelled; without {@code --wait}, 0 for one not final yet; with
   * it, a job still not final at the wait limit is 1 too (as {@link TaskCommand#exitCode} for tasks).
   */
  static int exitCode(JobView job, boolean waited) {
    return TaskCommand.exitCode(job.status(), job.isFinal(), waited);
  }
}
