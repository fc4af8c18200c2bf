package dev.taskwire.master.cli;

import dev.taskwire.common.protocol.Token;
import dev.taskwire.master.admin.AdminToken;
import dev.taskwire.master.admin.MasterClient;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The options every client command shares: where the master is, and its admin token. */
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

  /**
   * A client of the master.
   *
   * @throws TokenFileUnusable if the token file is missing, unreadable, open to others or holds a
   *     short token (exit code 3, like a refused token)
   */
  MasterClient client(picocli.CommandLine commandLine) throws IOException {
    Token token = token();
    try {
      return new MasterClient(master, token);
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
