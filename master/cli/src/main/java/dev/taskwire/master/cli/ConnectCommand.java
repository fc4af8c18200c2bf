package dev.taskwire.master.cli;

import dev.taskwire.common.cli.CommandLines;
import dev.taskwire.common.protocol.Labels;
import dev.taskwire.common.protocol.ProtocolDefaults;
import dev.taskwire.common.json.Json;
import dev.taskwire.common.json.JsonFormatException;
import dev.taskwire.master.admin.AdminMessages.ConnectionView;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code connect NAME HOST[:PORT] [--label L]...}: connects the master to a slave. */
@Command(name = "connect", mixinStandardHelpOptions = true, usageHelpWidth = 100, description = "Connects the master to a slave under a name.")
final class ConnectCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @Mixin ClientOptions options;

  @Parameters(index = "0", paramLabel = "NAME", description = "Name of the connection.")
  String name;

  @Parameters(index = "1", paramLabel = "HOST[:PORT]", description = "The slave (port " + ProtocolDefaults.DEFAULT_SLAVE_PORT + " if left out).")
  String address;

  @Option(names = "--https", negatable = true, description = "Talk to the slave over https (--no-https: over http);"
      + " if neither, as the master serves: https when it has TLS.")
  Boolean https;

  @Option(names = "--data", paramLabel = "JSON", description = "Connection data sent to the slave's before-connection hook.")
  String data;

  @Option(names = "--label", paramLabel = "LABEL", split = ",", description = "A label the scheduler routes jobs by, given"
      + " on the master (for a reference slave, which cannot announce its own); repeatable, or comma-separated.")
  List<String> labels;

  @Override
  public Integer call() throws Exception {
    HostPort slave = HostPort.parse(spec.commandLine(), address);
    Map<String, Object> connectData = data == null ? Map.of() : parseJson(spec.commandLine(), "--data", data);
    List<String> given = labels == null ? List.of() : labels;
    CommandLines.apply(spec.commandLine(), "--label", String.join(",", given), ignored -> Labels.require(given));
    ConnectionView connection = options.client(spec.commandLine())
        .connect(name, slave.host(), slave.port(), https, connectData, given).connection();
    List<String> shown = connection.labels() == null ? List.of() : connection.labels();
    spec.commandLine().getOut().printf("connected %s to %s (%s slot%s%s)%n", name, connection.slave(),
        connection.slots(), connection.slots() == 1 ? "" : "s", shown.isEmpty() ? "" : ", labels " + String.join(", ", shown));
    return 0;
  }

  static Map<String, Object> parseJson(CommandLine commandLine, String what, String text) {
    try {
      return Json.parseObject(text);
    } catch (JsonFormatException e) {
      throw new CommandLine.ParameterException(commandLine,
          "Invalid value for " + what + ": " + e.getMessage().replace("body", "it"));
    }
  }

  /** A slave's host and port as written on the command line. */
  record HostPort(String host, int port) {
    static HostPort parse(CommandLine commandLine, String text) {
      int colon = text.lastIndexOf(':');
      if (colon < 0) {
        return new HostPort(text, ProtocolDefaults.DEFAULT_SLAVE_PORT);
      }
      try {
        int port = Integer.parseInt(text.substring(colon + 1));
        if (port < 1 || port > 65_535) {
          throw new NumberFormatException();
        }
        return new HostPort(text.substring(0, colon), port);
      } catch (NumberFormatException e) {
        throw new CommandLine.ParameterException(commandLine,
            "Invalid value for HOST[:PORT]: '" + text + "' (port must be 1..65535)");
      }
    }
  }
}
