package dev.taskwire.master.cli;

import dev.taskwire.common.json.Json;
import dev.taskwire.master.admin.AdminMessages.SummaryView;
import java.io.PrintWriter;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code scheduler}: what the master's scheduler holds now. */
@Command(name = "scheduler", mixinStandardHelpOptions = true, usageHelpWidth = 100,
    description = "Shows the scheduler's summary: queued jobs by priority and group, running by group, group limits,"
        + " free slots by connection, and totals since the master started.")
final class SchedulerCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @Mixin ClientOptions options;

  @Option(names = "--json", description = "Print the summary as one JSON object, as the admin API answers it.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    SummaryView summary = options.client(spec.commandLine()).schedulerSummary();
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(Json.toString(summary));
      return 0;
    }
    out.printf("queued: %d of %d (%d waiting for a retry)%n", summary.queued(), summary.queueCapacity(),
        summary.waitingForRetry());
    out.println("running: " + summary.running());
    out.println("queued by priority and group:" + (summary.queuedByPriority().isEmpty() ? " none" : ""));
    Map<Integer, Map<String, Integer>> byPriority = new TreeMap<>(Comparator.reverseOrder());
    byPriority.putAll(summary.queuedByPriority());
    byPriority.forEach((priority, groups) -> out.println("  priority " + priority + ": " + counts(groups)));
    // The master lists a group that ran once with 0 from then on: shown are the groups running now.
    Map<String, Integer> running = new TreeMap<>(summary.runningByGroup());
    running.values().removeIf(count -> count == 0);
    out.println("running by group: " + orNone(running));
    out.println("limits: " + orNone(summary.limits()));
    out.println("free slots: " + orNone(summary.freeSlots()));
    SummaryView.Totals totals = summary.totals();
    out.printf("totals: submitted %d, completed %d, failed %d, cancelled %d, retries %d%n", totals.submitted(),
        totals.completed(), totals.failed(), totals.cancelled(), totals.retries());
    return 0;
  }

  private static String orNone(Map<String, Integer> counts) {
    return counts.isEmpty() ? "none" : counts(counts);
  }

  /** {@code a 2, b 1}, by name. */
  private static String counts(Map<String, Integer> counts) {
    return new TreeMap<>(counts).entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
        .collect(Collectors.joining(", "));
  }
}
