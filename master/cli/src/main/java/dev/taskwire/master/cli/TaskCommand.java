package dev.taskwire.master.cli;

import dev.taskwire.common.json.Json;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
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

  @Option(names = "--timeout", paramLabel = "DURATION", description = "Longest wait with --wait (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Override
  public Integer call() throws Exception {
    Map<String, Object> task = await ? options.client(spec.commandLine()).awaitFinal(id, timeout) : options.client(spec.commandLine()).task(id);
    print(spec.commandLine().getOut(), task);
    return exitCode(task, await);
  }

  /** Prints {@code status:}, {@code reason:} when it failed, and {@code result:} as JSON. */
  static void print(PrintWriter out, Map<String, Object> task) {
    out.println("status: " + task.get("status"));
    if (task.get("failure") instanceof Map<?, ?> failure) {
      out.println("reason: " + failure.get("reason") + ": " + failure.get("message"));
    }
    out.println("result: " + Json.toString(task.get("result")));
  }

  /**
   * 1 for a task that failed, was cancelled or did not start; without {@code --wait}, 0 for one
   * still running; with it, a task still running at the timeout is 1 too.
   */
  static int exitCode(Map<String, Object> task, boolean waited) {
    Object status = task.get("status");
    if ("COMPLETED".equals(status)) {
      return 0;
    }
    boolean isFinal = Boolean.TRUE.equals(task.get("final"));
    return isFinal || waited ? Main.EXIT_TASK_FAILED : 0;
  }
}
