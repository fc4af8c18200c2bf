package dev.taskwire.master.cli;

import dev.taskwire.master.admin.MasterClient;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cancel ID}, {@code cancel --group G} or {@code cancel --all}: cancels jobs of the scheduler. */
@Command(name = "cancel", mixinStandardHelpOptions = true, usageHelpWidth = 100,
    description = {"Cancels one job, every job of a group, or every job not final; prints how many it cancelled.",
        "Exactly one of ID, --group and --all; none of them is read from the environment."})
final class CancelCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @Mixin ClientOptions options;

  @Parameters(index = "0", arity = "0..1", paramLabel = "ID", description = "The job to cancel.")
  String id;

  @Option(names = "--group", paramLabel = "GROUP", description = "Cancel every job of this group not final yet.")
  String group;

  @Option(names = "--all", description = "Cancel every job not final yet.")
  boolean all;

  @Override
  public Integer call() throws Exception {
    CommandLine commandLine = spec.commandLine();
    // What to cancel is only what was typed: TASKWIRE_GROUP or TASKWIRE_ALL left in the environment
    // must not cancel anything.
    boolean byGroup = commandLine.getParseResult().hasMatchedOption("--group");
    boolean everything = commandLine.getParseResult().hasMatchedOption("--all") && all;
    if ((id != null ? 1 : 0) + (byGroup ? 1 : 0) + (everything ? 1 : 0) != 1) {
      throw new CommandLine.ParameterException(commandLine, "Give exactly one of ID, --group and --all");
    }
    if (byGroup) {
      JobFlags.group(commandLine, "--group", group);
    }
    MasterClient client = options.client(commandLine);
    int cancelled;
    if (id != null) {
      cancelled = client.cancelJob(id) ? 1 : 0;
    } else if (byGroup) {
      cancelled = client.cancelGroup(group);
    } else {
      cancelled = client.cancelAll();
    }
    commandLine.getOut().printf("cancelled %d job%s%s%n", cancelled, cancelled == 1 ? "" : "s",
        id != null && cancelled == 0 ? " (" + id + " was already final)" : "");
    return 0;
  }
}
