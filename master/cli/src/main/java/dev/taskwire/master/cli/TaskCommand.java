package dev.taskwire.master.cli;

import dev.taskwire.common.json.Json;
import dev.taskwire.master.admin.AdminMessages.TaskView;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code task ID [--wait]}: prints a task's status, failure reason and result. */
@Command(name = "task", mixinStandardHelpOptions = true, usageHelpWidth = 100, description = "Shows a task: status, reason if failed, result as JSON.")
final class TaskCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @Mixin ClientOptions options;

  @Parameters(index = "0", paramLabel = "ID", description = "The task id.")
  String id;

  @Option(names = "--wait", description = "Wait until the task is final.")
  boolean await;

  @Option(names = "--wait-limit", paramLabel = "DURATION", description = "Longest wait with --wait (default: ${DEFAULT-VALUE}).")
  Duration waitLimit;

  /** How often {@code --wait} asks for the task while it runs, to show its progress. */
  static final Duration PROGRESS_POLL = Duration.ofSeconds(1);

  @Override
  public Integer call() throws Exception {
    TaskView task;
    if (await) {
      // Polled every second at most, so that progress with done and total shows on stderr as it comes.
      ProgressLine progress = new ProgressLine("task " + id, spec.commandLine().getErr(), Progress.stderrIsTerminal());
      task = options.client(spec.commandLine()).awaitFinal(id, waitLimit, PROGRESS_POLL, view -> progress.show(view.progress()));
      progress.finish();
    } else {
      task = options.client(spec.commandLine()).task(id);
    }
    print(spec.commandLine().getOut(), task);
    return exitCode(task, await);
  }

  /** Prints {@code status:}, {@code reason:} when it failed, and {@code result:} as JSON. */
  static void print(PrintWriter out, TaskView task) {
    out.println("status: " + task.status());
    if (task.failure() != null) {
      out.println("reason: " + task.failure().reason() + ": " + task.failure().message());
    }
    out.println("result: " + Json.toString(task.result()));
  }

  /**
   * 1 for a task that failed, was cancelled or did not start; without {@code --wait}, 0 for one
   * still running; with it, a task still running at the wait limit is 1 too.
   */
  static int exitCode(TaskView task, boolean waited) {
    return exitCode(task.status(), task.isFinal(), waited);
  }

  /** The rule of {@link #exitCode(TaskView, boolean)} for anything with a status: a task or a job. */
  static int exitCode(String status, boolean isFinal, boolean waited) {
    if ("COMPLETED".equals(status)) {
      return 0;
    }
    return isFinal || waited ? Main.EXIT_TASK_FAILED : 0;
  }
}
