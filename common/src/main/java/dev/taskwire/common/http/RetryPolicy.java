package dev.taskwire.common.http;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;

/** Which transport errors a request is retried after. A failure response is never retried. */
public enum RetryPolicy {
  /** Any transport error: right for requests that are safe to repeat. */
  ANY_TRANSPORT_ERROR,
  /**
   * Only errors that happen before a connection exists (refused, no route, unknown host), where the
   * request surely never arrived: right for a report to a reference master, which breaks on a
   * duplicate (docs/protocol.md, "Pitfalls").
   */
  CONNECTION_REFUSED_ONLY;

  boolean retries(IOException error) {
    return this == ANY_TRANSPORT_ERROR || surelyNotSent(error);
  }

  /** Whether {@code error} happened before any byte of the request could be sent. */
  public static boolean surelyNotSent(IOException error) {
    return error instanceof ConnectException || error instanceof NoRouteToHostException
        || error instanceof UnknownHostException;
  }
}
