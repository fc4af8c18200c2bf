package dev.taskwire.common.testing;

import dev.taskwire.common.http.BaseUrl;
import dev.taskwire.common.http.HttpEngine;
import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.Headers;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.protocol.Side;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Assertions;

/**
 * Plays one side of the protocol toward a real server on 127.0.0.1 in tests: sends requests with
 * chosen Channel and Token headers (null leaves a header out) and returns the envelope, or the
 * failure as its exception.
 */
public final class PeerClient {
  private final HttpEngine engine;

  public PeerClient(int port, Side server) {
    this.engine = HttpEngine.builder(BaseUrl.of("127.0.0.1", port, false), server).retries(0).build();
  }

  /** Sends and returns the success envelope. */
  public Envelope send(String method, String path, Object body, String channel, String token) throws IOException {
    Map<String, String> headers = new HashMap<>();
    if (channel != null) {
      headers.put(Headers.CHANNEL, channel);
    }
    if (token != null) {
      headers.put(Headers.TOKEN, token);
    }
    return engine.send(method, path, body, headers);
  }

  /**
   * Sends, expects a failure, and checks its status and code; returns it for more checks (message,
   * data).
   */
  public ResponseException fail(String method, String path, Object body, String channel, String token,
      int expectedStatus, int expectedCode) {
    ResponseException e = Assertions.assertThrows(ResponseException.class, () -> send(method, path, body, channel, token));
    Assertions.assertEquals(expectedStatus, e.httpStatus(), "HTTP status of " + e.getMessage());
    Assertions.assertEquals(expectedCode, e.code(), "code of " + e.getMessage());
    Assertions.assertFalse(e.success());
    return e;
  }
}
