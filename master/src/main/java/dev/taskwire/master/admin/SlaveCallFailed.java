package dev.taskwire.master.admin;

import dev.taskwire.common.http.TransportFailure;
import dev.taskwire.common.protocol.ResponseException;
import java.io.IOException;

/**
 * A request to a slave that failed: unreached ({@link IOException}) or refused ({@link
 * ResponseException}), its cause. Marked so, a slave's 413, say, is not taken for the admin
 * request's own; {@link AdminApi} answers it 502 SLAVE_UNREACHABLE or 409 SLAVE_REFUSED.
 */
final class SlaveCallFailed extends RuntimeException {
  /** The slave as messages name it, e.g. {@code slave 10.0.0.7:7236}. */
  final String slave;

  private SlaveCallFailed(String slave, Exception cause) {
    super(cause.getMessage(), cause, false, false);
    this.slave = slave;
  }

  /** A call that talks to a slave. */
  @FunctionalInterface
  interface SlaveCall<T> {
    T call() throws IOException;
  }

  /** Runs {@code call}, its failures thrown as a {@link SlaveCallFailed} naming {@code slave}. */
  static <T> T toSlave(String slave, SlaveCall<T> call) {
    try {
      return call.call();
    } catch (IOException | ResponseException e) {
      throw new SlaveCallFailed(slave, e);
    }
  }

  /** Why a request to a slave failed, in plain words: the JDK's messages name its classes (a TLS failure's PKIX path...) and quote the far side. */
  static String reason(IOException e) {
    return TransportFailure.describe(e);
  }
}
