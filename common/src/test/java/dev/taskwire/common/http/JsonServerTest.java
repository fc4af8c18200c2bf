package dev.taskwire.common.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.CommonErrorCode;
import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.MasterErrorCode;
import dev.taskwire.common.protocol.SlaveErrorCode;
import dev.taskwire.common.testing.RawHttp;
import dev.taskwire.common.testing.Servers;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class JsonServerTest {
  private static final int LIMIT = 1024;
  @RegisterExtension final Servers servers = new Servers();
  private JsonServer server;
  private int port;

  @BeforeEach
  void start() {
    server = JsonServer.create("test", MasterErrorCode.TASK_DATA_INVALID, LIMIT);
    server.get("/echo", ctx -> JsonServer.success(ctx, "echo", server.body(ctx)));
    server.post("/echo", ctx -> JsonServer.success(ctx, "echo", server.body(ctx)));
    server.post("/refuse", ctx -> {
      throw SlaveErrorCode.TASK_REFUSED.exception("Task refused!", Map.of("why", "full"));
    });
    server.post("/boom", ctx -> {
      throw new IllegalStateException("secret internal detail");
    });
    servers.after(server::stop);
    port = server.start(Servers.LOOPBACK, 0).port();
  }

  @Test
  void routesAreAddedBeforeTheServerStarts() {
    // Javalin 7 takes routes only while the app is made, at start: a later one would never answer.
    IllegalStateException late = assertThrows(IllegalStateException.class,
        () -> server.get("/late", ctx -> JsonServer.success(ctx, "late", null)));
    assertEquals("routes are added before the server starts", late.getMessage());
    JsonServer neverStarted = JsonServer.create("unstarted", MasterErrorCode.TASK_DATA_INVALID, LIMIT);
    neverStarted.stop(); // nothing to stop yet: a no-op, as a second stop is
  }

  @Test
  void jsonWithoutContentTypeIsParsed() throws Exception {
    RawHttp.Response response = RawHttp.send(port, "POST", "/echo", Map.of(), "{\"a\": 1}");
    assertEquals(200, response.status());
    assertEquals(Map.of("a", 1), response.envelope().data());
  }

  @Test
  void getWithBodyIsParsed() throws Exception {
    RawHttp.Response response = RawHttp.send(port, "GET", "/echo", Map.of(), "{\"b\": [true]}");
    assertEquals(200, response.status());
    assertEquals(Map.of("b", java.util.List.of(true)), response.envelope().data());
  }

  @Test
  void emptyAndMissingBodiesAreTheEmptyObject() throws Exception {
    assertEquals(Map.of(), RawHttp.send(port, "POST", "/echo", Map.of(), "").envelope().data());
    assertEquals(Map.of(), RawHttp.send(port, "GET", "/echo", Map.of(), null).envelope().data());
  }

  @Test
  void malformedJsonIsAnswered400WithTheSidesDataInvalidCode() throws Exception {
    RawHttp.Response response = RawHttp.send(port, "POST", "/echo", Map.of(), "{\"a\": ");
    assertEquals(400, response.status());
    Envelope envelope = response.envelope();
    assertFalse(envelope.success());
    assertEquals(601, envelope.code());
    assertTrue(envelope.message().startsWith("body is not valid JSON"), envelope.message());
  }

  @Test
  void bodyThatIsNotAnObjectIsAnswered400() throws Exception {
    RawHttp.Response response = RawHttp.send(port, "POST", "/echo", Map.of(), "[1, 2]");
    assertEquals(400, response.status());
    assertEquals("body must be a JSON object, got ARRAY", response.envelope().message());
  }

  @Test
  void oversizedBodyIsAnswered413WithEnvelope() throws Exception {
    String big = "{\"x\": \"" + "a".repeat(LIMIT) + "\"}";
    RawHttp.Response response = RawHttp.send(port, "POST", "/echo", Map.of(), big);
    assertEquals(413, response.status());
    assertEquals(CommonErrorCode.BODY_TOO_LARGE.code(), response.envelope().code());
    assertEquals("body larger than 1024 bytes", response.envelope().message());
  }

  @Test
  void oversizedChunkedBodyIsAnswered413() throws Exception {
    byte[] big = new byte[LIMIT * 4];
    Arrays.fill(big, (byte) ' ');
    RawHttp.Response response = RawHttp.sendChunked(port, "POST", "/echo", big);
    assertEquals(413, response.status());
    assertEquals(413, response.envelope().code());
  }

  @Test
  void bodyExactlyAtTheLimitIsAccepted() throws Exception {
    String body = "{\"x\": \"" + "a".repeat(LIMIT - 9) + "\"}";
    assertEquals(LIMIT, body.length());
    assertEquals(200, RawHttp.send(port, "POST", "/echo", Map.of(), body).status());
  }

  @Test
  void responseExceptionBecomesItsEnvelopeAndStatus() throws Exception {
    RawHttp.Response response = RawHttp.send(port, "POST", "/refuse", Map.of(), "{}");
    assertEquals(403, response.status());
    assertEquals(new Envelope(false, 602, "Task refused!", Map.of("why", "full")), response.envelope());
  }

  @Test
  void handlerThatThrowsGivesAnEnvelopeNotAStackTrace() throws Exception {
    RawHttp.Response response = RawHttp.send(port, "POST", "/boom", Map.of(), "{}");
    assertEquals(500, response.status());
    assertEquals(CommonErrorCode.INTERNAL_ERROR.code(), response.envelope().code());
    assertFalse(response.body().contains("secret internal detail"), response.body());
    assertFalse(response.body().contains("at dev.taskwire"), response.body());
  }

  @Test
  void wrongMethodOnAKnownPathIsAnswered405WithEnvelope() throws Exception {
    RawHttp.Response response = RawHttp.send(port, "DELETE", "/echo", Map.of(), null);
    assertEquals(405, response.status());
    assertEquals(CommonErrorCode.METHOD_NOT_ALLOWED.code(), response.envelope().code());
    assertEquals(Map.of(), response.envelope().data());
  }

  @Test
  void unknownPathIsAnswered404WithEnvelope() throws Exception {
    RawHttp.Response response = RawHttp.send(port, "GET", "/nope", Map.of(), null);
    assertEquals(404, response.status());
    Envelope envelope = Json.read(response.body().getBytes(), Envelope.class);
    assertEquals(CommonErrorCode.NOT_FOUND.code(), envelope.code());
    assertEquals("Endpoint GET /nope not found", envelope.message());
  }
}
