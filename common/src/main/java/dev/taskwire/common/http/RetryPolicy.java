package dev.taskwire.common.http;

import java.io.IOException;
import java.net.ConnectException;

/** Which transport errors a request is retried after. A failure response is never retried. */
public enum RetryPolicy {
  /** Any transport error: right for requests that are safe to repeat. */
  ANY_TRANSPORT_ERROR,
  /**
   * Only a refused connection, where the request surely never arrived: right for a report to a
   * reference master, which breaks on a duplicate (PROTOCOL.md, "Pitfalls").
   */
  CONNECTION_REFUSED_ONLY;

  boolean retries(IOException error) {
    return this == ANY_TRANSPORT_ERROR || error instanceof ConnectException;
  }
}
