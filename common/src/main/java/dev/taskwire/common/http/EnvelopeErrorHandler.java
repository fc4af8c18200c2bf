package dev.taskwire.common.http;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.CommonErrorCode;
import dev.taskwire.common.protocol.Envelope;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's answers to requests that never reach a handler (a malformed request line or header, a
 * URI or headers too long, a bad or duplicate Content-Length, chunked plus Content-Length, a path
 * Jetty refuses) as envelopes instead of its HTML pages, so that every answer of a Taskwire server
 * is an envelope. The code is the HTTP status where that is a {@link CommonErrorCode}, else 400 or
 * 500.
 *
 * <p>Jetty 12 sends the parser's failures and the servlet's error dispatches alike through {@link
 * #handle}, with the status on the response and the reason in {@link #ERROR_MESSAGE}.
 */
final class EnvelopeErrorHandler extends ErrorHandler {
  private static final String JSON = "application/json";

  EnvelopeErrorHandler() {
    setShowStacks(false);
    setShowCauses(false);
    setShowOrigin(false);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    int status = response.getStatus();
    Object message = request.getAttribute(ERROR_MESSAGE);
    if (request.getAttribute(ERROR_EXCEPTION) instanceof HttpException http) {
      status = http.getCode();
      response.setStatus(status);
      if (message == null) {
        message = http.getReason();
      }
    }
    if (HttpStatus.hasNoBody(status)) {
      callback.succeeded();
      return true;
    }
    byte[] body = envelope(status, message == null ? null : message.toString());
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
    return true;
  }

  static byte[] envelope(int status, String reason) {
    String message = reason == null || reason.isBlank() ? HttpStatus.getMessage(status) : reason;
    return Json.toBytes(Envelope.failure(CommonErrorCode.forHttpStatus(status), message, Map.of()));
  }
}
