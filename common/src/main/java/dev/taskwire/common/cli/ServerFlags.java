package dev.taskwire.common.cli;

import dev.taskwire.common.http.ServerBuilder;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The flags {@code serve} and the slave's JAR share, as one picocli mixin that sets them on either
 * side's builder ({@link ServerBuilder}). Defaults in the help come from each command's default
 * provider; a bad value ends with one line naming the flag, as {@link CommandLines#apply} says.
 *
 * <p>The TLS flags fit together only as a whole ({@link TlsFlags}), so they are checked and set
 * once parsing is over, by {@link #parsed(CommandLine)}: the commands made by {@link
 * CommandLines#create} call it before they run.
 */
public final class ServerFlags implements CommandLines.AfterParse {
  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  private final ServerBuilder<?> builder;
  private final TlsFlags tls = new TlsFlags();

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

  @Option(names = TlsFlags.CERT, paramLabel = "FILE", description = "Serve https only, with this PEM certificate"
      + " (optionally followed by its intermediates); needs --tls-key. Calls to the peer go over https too.")
  void tlsCert(Path file) {
    tls.cert = file;
  }

  @Option(names = TlsFlags.KEY, paramLabel = "FILE", description = "The unencrypted PKCS#8 PEM private key of --tls-cert.")
  void tlsKey(Path file) {
    tls.key = file;
  }

  @Option(names = TlsFlags.KEYSTORE, paramLabel = "FILE", description = "Serve https only, with the one key and"
      + " certificate chain of this PKCS12 keystore, instead of --tls-cert/--tls-key; needs --tls-keystore-password-file.")
  void tlsKeystore(Path file) {
    tls.keystore = file;
  }

  @Option(names = TlsFlags.KEYSTORE_PASSWORD_FILE, paramLabel = "FILE", description = "File holding the password"
      + " of --tls-keystore (a trailing line break is ignored); owner-only, and owned by the user running this.")
  void tlsKeystorePasswordFile(Path file) {
    tls.keystorePasswordFile = file;
  }

  @Option(names = TlsFlags.CA, paramLabel = "FILE", description = "PEM file of the CA certificate(s) the peer's"
      + " certificate must chain to (default: the JVM's trust store).")
  void tlsCa(Path file) {
    tls.ca = file;
  }

  @Option(names = TlsFlags.MUTUAL, description = "Mutual TLS: refuse peers (and admin clients) without a certificate"
      + " from --tls-ca; this side presents its own certificate to the peer too. Needs --tls-ca.")
  void tlsMutual(boolean mutual) {
    tls.mutual = mutual;
  }

  /** Checks the TLS flags together and sets them on the builder, if any was given. */
  @Override
  public void parsed(CommandLine commandLine) {
    dev.taskwire.common.tls.TlsSettings settings = tls.server(commandLine);
    if (settings != null) {
      builder.tls(settings);
    }
  }
}
