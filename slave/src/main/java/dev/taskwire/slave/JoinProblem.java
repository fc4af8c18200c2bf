package dev.taskwire.slave;

import dev.taskwire.common.http.TransportFailure;
import dev.taskwire.common.protocol.MasterResponseException;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.util.LogSafe;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.ProtocolException;
import java.net.SocketException;
import java.net.UnknownHostException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Why a join attempt failed: {@code text} says it for people (the log, {@code join.problem} in
 * {@code /health}), with what to do where that is known; {@code cause} is a short key that stays
 * the same from one attempt to the next as long as the failure does (no timestamps, counts, or
 * text of the master's), for telling a new failure from a repeat; there are few of them.
 *
 * <p>A transport error is put in plain words ("unreachable (connection refused)", "unreachable
 * (TLS handshake failed: ...)"): the JDK's messages name its own classes ({@code
 * java.net.ConnectException}, {@code sun.security.provider.certpath...}), which tell an operator
 * nothing. A refusal quotes the master's message and reason escaped and cut ({@link LogSafe}).
 */
record JoinProblem(String cause, String text) {
  /** A transport error: the master was not reached, or not understood. */
  static JoinProblem unreachable(IOException e) {
    String why;
    String hint = "";
    if (e instanceof SSLException ssl) {
      why = "TLS handshake failed";
      hint = tlsHint(ssl);
    } else if (e instanceof ConnectException) {
      why = "connection refused";
    } else if (e instanceof NoRouteToHostException) {
      why = "no route to host";
    } else if (e instanceof UnknownHostException) {
      why = "unknown host";
    } else if (e instanceof InterruptedIOException) {
      why = "timed out"; // SocketTimeoutException, and OkHttp's own "timeout"
    } else if (e instanceof ProtocolException && isTlsRecord(e.getMessage())) {
      why = "the master answered in TLS";
      hint = ": it serves https (use https:// in --join)";
    } else if (e instanceof ProtocolException) {
      why = "the answer was not HTTP";
    } else if (String.valueOf(e.getMessage()).contains("unexpected end of stream")) {
      why = "the connection was closed before an answer";
      hint = ": a master that serves https cuts off plain http (use https:// in --join)";
    } else if (e instanceof SocketException) {
      why = "the connection was cut";
      hint = ": a master with mutual TLS cuts off a slave without a certificate it trusts (--tls-cert and --tls-key"
          + " signed by its CA)";
    } else {
      why = "connection failed";
    }
    return new JoinProblem("unreachable: " + why, "unreachable (" + why + hint + ")");
  }

  /**
   * Whether OkHttp's "Unexpected status line: ..." quotes a TLS record (an alert or a handshake,
   * type 0x15 or 0x16, then version 3.x) where the status line should be: a TLS server's answer to
   * plain http. The quote itself is binary and never shown.
   */
  private static boolean isTlsRecord(String message) {
    return message != null && (message.contains("\u0015\u0003") || message.contains("\u0016\u0003"));
  }

  /** What a user can do about a failed handshake; the JDK's message names no flag and many classes. */
  private static String tlsHint(SSLException e) {
    if (TransportFailure.certificateNotTrusted(e)) {
      return ": the master's certificate is not trusted (give this slave --tls-ca with the CA that signed it)";
    }
    if (e instanceof SSLPeerUnverifiedException) {
      return ": the master's certificate does not name the host of --join";
    }
    String message = String.valueOf(e.getMessage());
    if (message.contains("Unsupported or unrecognized SSL message")) {
      return ": the master does not speak TLS (use http:// in --join)";
    }
    if (message.contains("certificate")) { // the master's alert: bad_certificate, certificate_required...
      return ": the master refused this slave's certificate (a master with mutual TLS needs --tls-cert and"
          + " --tls-key signed by a CA it trusts)";
    }
    return "";
  }

  /** A failure answer: a refusal from a Taskwire master, or another HTTP error. */
  static JoinProblem refused(ResponseException e) {
    String message = LogSafe.escape(e.responseMessage());
    if (e instanceof MasterResponseException refused) {
      String reason = e.data().get("reason") instanceof String text ? LogSafe.escape(text) : null;
      String hint = switch (refused.errorCode()) {
        case JOIN_NOT_ENABLED -> "; start the master with --secret-file (and this slave with the same one),"
            + " or with --allow-open-join on a trusted network";
        case JOIN_REFUSED -> "https required".equals(reason) ? "" : "; give this slave the master's --secret-file";
        case CHANNEL_INVALID -> "; use the master's --channel";
        case JOIN_NAME_TAKEN -> "; another slave has this name (give each its own --name), or the master has not yet"
            + " noticed that this slave's old connection ended";
        default -> "";
      };
      String code = "code " + e.code() + " " + refused.errorCode();
      // Not the reason: it is the master's text, and the code says enough to tell a change.
      return new JoinProblem("refused: " + code,
          "refused with " + code + ": " + message + (reason == null ? "" : " (" + reason + ")") + hint);
    }
    if (e.httpStatus() == 404 || e.httpStatus() == 405) {
      return new JoinProblem("refused: no join endpoint", "the master has no join endpoint (HTTP " + e.httpStatus()
          + "): not a Taskwire master that takes joins, or a proxy in front of one that is not up yet");
    }
    String answer = "HTTP " + e.httpStatus() + (e.code() == ResponseException.NO_ENVELOPE ? "" : ", code " + e.code());
    // The status alone as the cause: a code no Taskwire master sends could be anything.
    return new JoinProblem("refused: HTTP " + e.httpStatus(), "refused with " + answer + ": " + message);
  }
}
