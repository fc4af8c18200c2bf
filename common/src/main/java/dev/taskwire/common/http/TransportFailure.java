package dev.taskwire.common.http;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Says in plain words why a request to a peer failed in transport, for answers and health pages
 * that others read: a category, never the exception's text nor a class name (the JDK's messages
 * name its own classes, {@code sun.security.provider.certpath...}, and quote what the far side
 * sent). The full exception belongs in this process's own log.
 */
public enum TransportFailure {
  /** No connection: refused, no route, or a name that does not resolve. */
  UNREACHABLE("unreachable"),
  /** Connected, or trying to, but no answer came in time. */
  TIMED_OUT("timed out"),
  /** The TLS handshake failed: the peer's certificate is not trusted or does not name its host, or it wants one of ours. */
  TLS_FAILED("TLS handshake failed"),
  /** Anything else: the connection broke, or what came back was not HTTP. */
  BROKEN("connection failed");

  private final String words;

  TransportFailure(String words) {
    this.words = words;
  }

  /** The category of {@code e}. */
  public static TransportFailure of(IOException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof SSLException || cause instanceof CertificateException) {
        return TLS_FAILED;
      }
    }
    if (e instanceof ConnectException || e instanceof NoRouteToHostException || e instanceof UnknownHostException) {
      return UNREACHABLE;
    }
    if (e instanceof InterruptedIOException) {
      return TIMED_OUT; // SocketTimeoutException, and OkHttp's call timeout
    }
    return BROKEN;
  }

  /**
   * {@link #of}'s words, with a hint a person can act on where there is one (TLS): e.g. {@code
   * "TLS handshake failed (the peer's certificate is not trusted)"}.
   */
  public static String describe(IOException e) {
    TransportFailure failure = of(e);
    if (failure != TLS_FAILED) {
      return failure.words;
    }
    if (certificateNotTrusted(e)) {
      return failure.words + " (the peer's certificate is not trusted)";
    }
    if (e instanceof SSLPeerUnverifiedException) {
      return failure.words + " (the peer's certificate does not name its host)";
    }
    return failure.words;
  }

  /**
   * Whether {@code e} failed a TLS handshake because the peer's certificate did not chain to a CA
   * this side trusts (a {@link CertificateException} among its causes): the failure a missing or
   * wrong CA file makes, whose JDK message ("PKIX path building failed...") names no flag.
   */
  public static boolean certificateNotTrusted(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof CertificateException) {
        return true;
      }
    }
    return false;
  }

  /** These words, e.g. {@code "timed out"}. */
  public String words() {
    return words;
  }
}
