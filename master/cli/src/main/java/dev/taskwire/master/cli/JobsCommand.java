package dev.taskwire.master.cli;

import dev.taskwire.common.cli.CommandLines;
import dev.taskwire.common.json.Json;
import dev.taskwire.master.admin.AdminMessages;
import dev.taskwire.master.admin.AdminMessages.JobView;
import dev.taskwire.master.scheduler.JobStatus;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jobs}: lists the jobs the scheduler keeps, newest first, as a table or as JSON lines. */
@Command(name = "jobs", mixinStandardHelpOptions = true, usageHelpWidth = 100,
    description = {"Lists the jobs the scheduler keeps (every job not final, and the last final ones), newest first.",
        "The last column is why a QUEUED job waits, or why a job failed."})
final class JobsCommand implements Callable<Integer> {
  static final String FORMAT = "%-36s %-9s %8s %-16s %8s %s";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @Mixin ClientOptions options;

  @Option(names = "--status", paramLabel = "STATUS", description = "Only jobs in this status: ${COMPLETION-CANDIDATES}.")
  JobStatus status;

  @Option(names = "--group", paramLabel = "GROUP", description = "Only jobs of this group.")
  String group;

  @Option(names = "--limit", paramLabel = "N", description = "At most this many, 1.." + AdminMessages.MAX_LIST
      + " (default: ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--json", description = "One JSON object per job (as the admin API answers it) instead of the table.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    CommandLine commandLine = spec.commandLine();
    CommandLines.apply(commandLine, "--limit", limit, value -> {
      if (value < 1 || value > AdminMessages.MAX_LIST) {
        throw new IllegalArgumentException("limit not in 1.." + AdminMessages.MAX_LIST + ": " + value);
      }
    });
    if (group != null) {
      JobFlags.group(commandLine, "--group", group);
    }
    List<JobView> jobs = options.client(commandLine).jobs(status == null ? null : status.name(), group, limit);
    PrintWriter out = commandLine.getOut();
    if (json) {
      jobs.forEach(job -> out.println(Json.toString(job)));
      return 0;
    }
    out.println(String.format(FORMAT, "ID", "STATUS", "PRIORITY", "GROUP", "ATTEMPTS", "WAITING-FOR/FAILURE"));
    for (JobView job : jobs) {
      String why = job.waitingFor() != null ? job.waitingFor() : job.failure() != null ? JobCommand.failure(job.failure()) : "";
      out.println(String.format(FORMAT, job.id(), job.status(), job.priority(), job.group(), job.attempts().size(), why)
          .stripTrailing());
    }
    return 0;
  }
}
