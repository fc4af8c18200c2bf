package dev.taskwire.master.cli;

import dev.taskwire.master.admin.AdminMessages.ConnectionView;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code connections}: lists the master's live connections as a table. */
@Command(name = "connections", mixinStandardHelpOptions = true, usageHelpWidth = 100, description = "Lists the live connections.")
final class ConnectionsCommand implements Callable<Integer> {
  static final String FORMAT = "%-16s %-28s %-10s %5s %9s %14s%n";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @Mixin ClientOptions options;

  @Override
  public Integer call() throws Exception {
    List<ConnectionView> connections = options.client(spec.commandLine()).connections();
    PrintWriter out = spec.commandLine().getOut();
    out.printf(FORMAT, "NAME", "SLAVE", "STATE", "SLOTS", "IN-FLIGHT", "LAST-HEARTBEAT");
    for (ConnectionView c : connections) {
      out.printf(FORMAT, c.name(), c.slave(), c.state(), c.slots(), c.tasksInFlight(), c.lastHeartbeatAgeMs() + " ms ago");
    }
    return 0;
  }
}
