package dev.taskwire.master.cli;

import dev.taskwire.common.cli.TlsFlags;
import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.tls.TlsSettings;
import dev.taskwire.master.admin.AdminToken;
import dev.taskwire.master.admin.MasterClient;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The options every client command shares: where the master is, its admin token, and TLS toward it. */
final class ClientOptions {
  /** How long {@code --wait} waits for a task or job, unless {@code --wait-limit} says otherwise. */
  static final Duration DEFAULT_WAIT = Duration.ofMinutes(10);
  /**
   * No usable token to authenticate with (no file, or one refused by {@link AdminToken#load}): exit
   * code 3 like a refused token, but the master was not asked.
   */
  static final class TokenFileUnusable extends IOException {
    TokenFileUnusable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  @Option(names = "--master", paramLabel = "URL", description = "The master's address (default: ${DEFAULT-VALUE}).")
  String master;

  @Option(names = "--token-file", paramLabel = "FILE", description = "File holding the admin token (default: ${DEFAULT-VALUE}).")
  Path tokenFile;

  @Option(names = TlsFlags.CA, paramLabel = "FILE", description = "PEM file of the CA certificate(s) an https master's"
      + " certificate must chain to (default: the JVM's trust store).")
  Path tlsCa;

  @Option(names = TlsFlags.CERT, paramLabel = "FILE", description = "PEM client certificate, for a master with mutual TLS;"
      + " needs --tls-key.")
  Path tlsCert;

  @Option(names = TlsFlags.KEY, paramLabel = "FILE", description = "The unencrypted PKCS#8 PEM private key of --tls-cert.")
  Path tlsKey;

  /**
   * A client of the master.
   *
   * @throws TokenFileUnusable if the token file is missing, unreadable, open to others or holds a
   *     short token (exit code 3, like a refused token)
   * @throws picocli.CommandLine.ParameterException for bad TLS flags (exit code 2)
   */
  MasterClient client(picocli.CommandLine commandLine) throws IOException {
    TlsSettings tls = TlsFlags.client(tlsCa, tlsCert, tlsKey).client(commandLine);
    Token token = token();
    try {
      return new MasterClient(master, token, tls == null ? null : tls.client());
    } catch (IllegalArgumentException e) {
      throw badMaster(commandLine, e);
    }
  }

  private Token token() throws TokenFileUnusable {
    try {
      return AdminToken.load(tokenFile);
    } catch (NoSuchFileException e) {
      throw new TokenFileUnusable("no admin token file " + tokenFile + " (serve writes it; pass --token-file)", e);
    } catch (IOException e) {
      throw new TokenFileUnusable(e.getMessage(), e);
    }
  }

  private picocli.CommandLine.ParameterException badMaster(picocli.CommandLine commandLine, IllegalArgumentException e) {
    return new picocli.CommandLine.ParameterException(commandLine,
        "Invalid value for option '--master': " + master + " (" + e.getMessage() + ")");
  }
}
