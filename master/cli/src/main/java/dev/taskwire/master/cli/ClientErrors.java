package dev.taskwire.master.cli;

import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.master.admin.AdminResponseException;
import java.io.IOException;
import picocli.CommandLine;

/**
 * Turns what a command threw into one line on stderr and the exit code: an unreachable master or a
 * refused token 3, another failure answer 1; {@code serve} whose store cannot be opened the store
 * failure's own code ({@link dev.taskwire.master.store.StoreException.Kind#exitCode()}, 20 to 23).
 * Never a stack trace.
 */
final class ClientErrors implements CommandLine.IExecutionExceptionHandler {
  @Override
  public int handleExecutionException(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
    String name = commandLine.getCommandSpec().qualifiedName();
    int code;
    String message;
    if (e instanceof ServeCommand.StoreStop stop) {
      code = stop.cause.kind().exitCode();
      message = "cannot start: " + stop.getMessage();
    } else if (e instanceof ResponseException response) {
      code = e instanceof AdminResponseException.Unauthorized ? Main.EXIT_UNREACHABLE : Main.EXIT_TASK_FAILED;
      message = response.responseMessage() + " (HTTP " + response.httpStatus() + ", code " + response.code() + ")"
          + reason(response);
    } else if (e instanceof ClientOptions.TokenFileUnusable) {
      code = Main.EXIT_UNREACHABLE;
      message = e.getMessage();
    } else if (e instanceof javax.net.ssl.SSLException) {
      code = Main.EXIT_UNREACHABLE;
      message = tlsFailure((javax.net.ssl.SSLException) e);
    } else if (e instanceof IOException) {
      code = Main.EXIT_UNREACHABLE;
      message = "master unreachable: " + e.getMessage() + cutOffHint(e);
    } else {
      code = Main.EXIT_TASK_FAILED;
      message = e.toString();
    }
    commandLine.getErr().println(name + ": " + message);
    commandLine.getErr().flush();
    return code;
  }

  /**
   * A master with mutual TLS drops a client without a certificate during the handshake, which the
   * client sees as a broken or reset connection, not as a TLS error; an https master cuts off a plain
   * http request the same way: say so.
   */
  private static String cutOffHint(Exception e) {
    String text = String.valueOf(e.getMessage());
    if (text.contains("unexpected end of stream on http://")) {
      return " (a master that serves https cuts off plain http: use an https:// --master)";
    }
    return text.contains("Broken pipe") || text.contains("reset") || text.contains("unexpected end of stream")
        ? " (a master with mutual TLS cuts off clients without --tls-cert and --tls-key)" : "";
  }

  /** The {@code data.reason} a refusal carries (a slave's refusal passed through, say), if any. */
  private static String reason(ResponseException response) {
    Object reason = response.data() == null ? null : response.data().get("reason");
    return reason instanceof String text ? ": " + dev.taskwire.common.util.LogSafe.escape(text) : "";
  }

  /** What a user can do about a failed handshake: the JDK's message alone names no flag. */
  private static String tlsFailure(javax.net.ssl.SSLException e) {
    if (dev.taskwire.common.http.TransportFailure.certificateNotTrusted(e)) {
      // The JDK's message names its own classes (PKIX path building...); the flag says it all.
      return "TLS handshake with the master failed: its certificate is not trusted (pass --tls-ca FILE with the"
          + " CA that signed it)";
    }
    if (e instanceof javax.net.ssl.SSLPeerUnverifiedException) {
      return "TLS handshake with the master failed: its certificate does not name the host of --master: " + e.getMessage();
    }
    return "TLS with the master failed (a master with mutual TLS needs --tls-cert and --tls-key;"
        + " an http:// master needs an http:// --master): " + e.getMessage();
  }
}
