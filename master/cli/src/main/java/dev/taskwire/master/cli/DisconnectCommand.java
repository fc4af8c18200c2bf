package dev.taskwire.master.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code disconnect NAME}: disconnects and removes a connection. */
@Command(name = "disconnect", mixinStandardHelpOptions = true, usageHelpWidth = 100, description = "Disconnects and removes a connection.")
final class DisconnectCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @Mixin ClientOptions options;

  @Parameters(index = "0", paramLabel = "NAME", description = "Name of the connection.")
  String name;

  @Override
  public Integer call() throws Exception {
    String message = options.client(spec.commandLine()).disconnect(name);
    spec.commandLine().getOut().printf("disconnected %s: %s%n", name, message);
    return 0;
  }
}
