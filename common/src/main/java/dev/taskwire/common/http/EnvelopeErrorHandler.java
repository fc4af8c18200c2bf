package dev.taskwire.common.http;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.CommonErrorCode;
import dev.taskwire.common.protocol.Envelope;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Jetty's answers to requests that never reach a handler (a malformed request line or header, a
 * URI or headers too long, a bad or duplicate Content-Length, chunked plus Content-Length, a path
 * Jetty refuses) as envelopes instead of its HTML pages, so that every answer of a Taskwire server
 * is an envelope. The code is the HTTP status where that is a {@link CommonErrorCode}, else 400 or
 * 500.
 */
final class EnvelopeErrorHandler extends ErrorHandler {
  private static final String JSON = "application/json";

  EnvelopeErrorHandler() {
    setShowStacks(false);
    setShowServlet(false);
  }

  /** Failures the HTTP parser finds, answered before any request object exists. */
  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(HttpHeader.CONTENT_TYPE, JSON);
    return ByteBuffer.wrap(envelope(status, reason));
  }

  /** Failures Jetty finds once a request exists (an error dispatch, say). */
  @Override
  public void handle(String target, Request baseRequest, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    baseRequest.setHandled(true);
    if (response.isCommitted()) {
      return;
    }
    Object message = request.getAttribute("jakarta.servlet.error.message");
    byte[] body = envelope(response.getStatus(), message == null ? null : message.toString());
    response.setContentType(JSON);
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }

  static byte[] envelope(int status, String reason) {
    String message = reason == null || reason.isBlank() ? HttpStatus.getMessage(status) : reason;
    return Json.toBytes(Envelope.failure(CommonErrorCode.forHttpStatus(status), message, Map.of()));
  }
}
