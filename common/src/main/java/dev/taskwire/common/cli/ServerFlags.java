package dev.taskwire.common.cli;

import dev.taskwire.common.http.ServerBuilder;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The flags {@code serve} and the slave's JAR share, as one picocli mixin that sets them on either
 * side's builder ({@link ServerBuilder}). Defaults in the help come from each command's default
 * provider; a bad value ends with one line naming the flag, as {@link CommandLines#apply} says.
 */
public final class ServerFlags {
  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  private final ServerBuilder<?> builder;

  /** Flags that set {@code builder}. */
  public ServerFlags(ServerBuilder<?> builder) {
    this.builder = builder;
  }

  private CommandLine commandLine() {
    return mixee.commandLine();
  }

  @Option(names = "--host", paramLabel = "ADDRESS", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  void host(String host) {
    CommandLines.apply(commandLine(), "--host", host, builder::host);
  }

  @Option(names = "--port", paramLabel = "PORT", description = "Port to listen on; 0 = any free port (default: ${DEFAULT-VALUE}).")
  void port(int port) {
    CommandLines.apply(commandLine(), "--port", port, builder::port);
  }

  @Option(names = "--channel", paramLabel = "N", description = "Channel master and slaves share (default: ${DEFAULT-VALUE}).")
  void channel(long channel) {
    builder.channel(channel);
  }

  @Option(names = "--request-retries", paramLabel = "N", description = "Retries of a request to the peer after a transport error (default: ${DEFAULT-VALUE}).")
  void requestRetries(int retries) {
    CommandLines.apply(commandLine(), "--request-retries", retries, builder::requestRetries);
  }

  @Option(names = "--retry-wait", paramLabel = "DURATION", description = "Wait between retries (default: ${DEFAULT-VALUE}).")
  void retryWait(Duration wait) {
    CommandLines.apply(commandLine(), "--retry-wait", wait, builder::retryWait);
  }

  @Option(names = "--max-body-bytes", paramLabel = "BYTES", description = "Largest body of a request carrying task data or a result; control requests take 64 KiB (default: ${DEFAULT-VALUE}).")
  void maxBodyBytes(long bytes) {
    CommandLines.apply(commandLine(), "--max-body-bytes", bytes, builder::maxBodyBytes);
  }

  @Option(names = "--body-timeout", paramLabel = "DURATION", description = "Longest a request body may take to arrive; slower is answered 408 (default: ${DEFAULT-VALUE}).")
  void bodyTimeout(Duration timeout) {
    CommandLines.apply(commandLine(), "--body-timeout", timeout, builder::bodyTimeout);
  }
}
