package dev.taskwire.common.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.ErrorCode;
import dev.taskwire.common.protocol.MasterErrorCode;
import dev.taskwire.common.protocol.MasterResponseException;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.protocol.SlaveErrorCode;
import dev.taskwire.common.protocol.SlaveResponseException;
import dev.taskwire.common.testing.MockRequests;
import dev.taskwire.common.testing.Servers;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class HttpEngineTest {
  private static final Map<String, String> HEADERS = Map.of("Channel", "42", "Token", "t0k3n");

  @RegisterExtension final Servers servers = new Servers();
  private MockWebServer server;

  @BeforeEach
  void startServer() throws IOException {
    server = servers.start(new MockWebServer());
    server.start(java.net.InetAddress.getLoopbackAddress(), 0);
  }

  private HttpEngine engine(Side peer, int retries) {
    return HttpEngine.builder(BaseUrl.of("127.0.0.1", server.getPort(), false), peer)
        .retries(retries)
        .retryWait(Duration.ZERO)
        .readTimeout(Duration.ofSeconds(5))
        .build();
  }

  private static MockResponse envelope(int status, Object body) {
    return new MockResponse().setResponseCode(status).setBody(Json.toString(body));
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(ints = {301, 302, 303, 307, 308})
  void aRedirectIsNeverFollowed(int status) throws Exception {
    MockWebServer elsewhere = servers.start(new MockWebServer());
    elsewhere.start(java.net.InetAddress.getLoopbackAddress(), 0);
    server.enqueue(new MockResponse().setResponseCode(status).setHeader("Location", elsewhere.url("/anything")));
    ResponseException e = assertThrows(ResponseException.class,
        () -> engine(Side.SLAVE, 0).send("POST", "/connect", Map.of(), HEADERS));
    assertEquals(status, e.httpStatus());
    assertEquals(ResponseException.NO_ENVELOPE, e.code());
    assertEquals(0, elsewhere.getRequestCount(), "the token went nowhere else");
  }

  @Test
  void postSendsJsonBodyAndHeadersAndReturnsEnvelope() throws Exception {
    server.enqueue(envelope(200, Envelope.success("Task received!", null)));
    Envelope answer = engine(Side.SLAVE, 0).send("POST", "/task/new", Map.of("a", 1), HEADERS);
    assertEquals("Task received!", answer.message());
    RecordedRequest request = MockRequests.take(server);
    assertEquals("POST", request.getMethod());
    assertEquals("/task/new", request.getPath());
    assertEquals("42", request.getHeader("Channel"));
    assertEquals("t0k3n", request.getHeader("Token"));
    assertEquals(Map.of("a", 1), Json.parseObject(request.getBody().readUtf8()));
  }

  @Test
  void headersAreSentOnEveryCall() throws Exception {
    HttpEngine engine = engine(Side.MASTER, 0);
    for (int i = 0; i < 3; i++) {
      server.enqueue(envelope(200, Envelope.success("Received!", null)));
      engine.send("GET", "/slave/heartbeat", null, HEADERS);
      RecordedRequest request = MockRequests.take(server);
      assertEquals("42", request.getHeader("Channel"));
      assertEquals("t0k3n", request.getHeader("Token"));
    }
  }

  @Test
  void getCarriesNoBody() throws Exception {
    server.enqueue(envelope(200, Envelope.success("PONG!", null)));
    engine(Side.SLAVE, 0).send("GET", "/ping", Map.of("ignored", true), HEADERS);
    RecordedRequest request = MockRequests.take(server);
    assertEquals("GET", request.getMethod());
    assertEquals(0, request.getBodySize());
  }

  @Test
  void deleteCarriesItsBody() throws Exception {
    server.enqueue(envelope(200, Envelope.success("Disconnect success.", null)));
    engine(Side.SLAVE, 0).send("DELETE", "/disconnect", Map.of("data", Map.of()), HEADERS);
    assertEquals("{\"data\":{}}", MockRequests.take(server).getBody().readUtf8());
  }

  @Test
  void pathPrefixOfBaseUrlIsKept() throws Exception {
    server.enqueue(envelope(200, Envelope.success("PONG!", null)));
    HttpEngine engine = HttpEngine.builder(BaseUrl.parse("http://127.0.0.1:" + server.getPort() + "/taskwire/"), Side.SLAVE).build();
    engine.send("GET", "/ping", null, HEADERS);
    assertEquals("/taskwire/ping", MockRequests.take(server).getPath());
  }

  @Test
  void droppedConnectionIsRetriedRetriesTimesThenThrows() {
    for (int i = 0; i < 4; i++) {
      server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AT_START));
    }
    assertThrows(IOException.class, () -> engine(Side.SLAVE, 3).send("POST", "/task/new", Map.of(), HEADERS));
    assertEquals(4, server.getRequestCount());
  }

  @Test
  void requestSucceedsWhenTheConnectionComesBackWithinRetries() throws Exception {
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AT_START));
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AT_START));
    server.enqueue(envelope(200, Envelope.success("Received!", null)));
    Envelope answer = engine(Side.MASTER, 5).send("GET", "/slave/heartbeat", null, HEADERS);
    assertEquals("Received!", answer.message());
    assertEquals(3, server.getRequestCount());
  }

  @Test
  void refusedConnectionIsRetriedThenThrowsConnectException() throws IOException {
    AttemptCounter attempts = new AttemptCounter();
    HttpEngine engine = HttpEngine.builder(BaseUrl.of("127.0.0.1", server.getPort(), false), Side.SLAVE)
        .retries(3).retryWait(Duration.ofMillis(10)).eventListener(attempts).build();
    server.shutdown();
    assertThrows(ConnectException.class, () -> engine.send("POST", "/connect", Map.of(), HEADERS));
    assertEquals(4, attempts.calls.get(), "one attempt and three retries, no more");
    assertEquals(4, attempts.refused.get(), "each attempt refused");
  }

  /** Counts calls and refused connections on the client side, where a refused attempt is seen. */
  private static final class AttemptCounter extends okhttp3.EventListener {
    final java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public void callStart(okhttp3.Call call) {
      calls.incrementAndGet();
    }

    @Override
    public void connectFailed(okhttp3.Call call, java.net.InetSocketAddress address, java.net.Proxy proxy,
        okhttp3.Protocol protocol, IOException e) {
      if (e instanceof ConnectException) {
        refused.incrementAndGet();
      }
    }
  }

  @Test
  void aTransportErrorIsRetriedExactlyRetriesTimes() {
    for (int i = 0; i < 6; i++) {
      server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    }
    assertThrows(IOException.class, () -> engine(Side.SLAVE, 3).send("POST", "/connect", Map.of(), HEADERS));
    assertEquals(4, server.getRequestCount(), "one attempt and three retries, no more");
  }

  @Test
  void refusedConnectionWithoutRetriesFailsAtOnce() throws IOException {
    AttemptCounter attempts = new AttemptCounter();
    HttpEngine engine = HttpEngine.builder(BaseUrl.of("127.0.0.1", server.getPort(), false), Side.SLAVE)
        .retries(0).retryWait(Duration.ofSeconds(30)).eventListener(attempts).build();
    server.shutdown();
    assertThrows(ConnectException.class, () -> engine.send("POST", "/connect", Map.of(), HEADERS));
    assertEquals(1, attempts.calls.get(), "no retry, so no 30 s wait either");
  }

  @Test
  void refusedOnlyPolicyDoesNotRetryADroppedConnection() {
    server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    server.enqueue(envelope(200, Envelope.success("Result received!", null)));
    assertThrows(IOException.class,
        () -> engine(Side.MASTER, 5).send("PUT", "/slave/task/complete", Map.of(), HEADERS, RetryPolicy.CONNECTION_REFUSED_ONLY));
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void serverErrorEnvelopeIsNotRetried() {
    server.enqueue(envelope(500, new Envelope(false, 500, "internal error: java.lang.NullPointerException", null)));
    server.enqueue(envelope(200, Envelope.success("Task received!", null)));
    ResponseException e = assertThrows(ResponseException.class, () -> engine(Side.SLAVE, 5).send("POST", "/task/new", Map.of(), HEADERS));
    assertEquals(500, e.httpStatus());
    assertEquals(1, server.getRequestCount());
  }

  @Test
  void failureResponseIsNeverRetried() {
    server.enqueue(envelope(400, Envelope.failure(SlaveErrorCode.TASK_ALREADY_EXIST, "Already has a task.", null)));
    server.enqueue(envelope(200, Envelope.success("Task received!", null)));
    assertThrows(SlaveResponseException.TaskAlreadyExist.class, () -> engine(Side.SLAVE, 5).send("POST", "/task/new", Map.of(), HEADERS));
    assertEquals(1, server.getRequestCount());
  }

  @ParameterizedTest
  @EnumSource(SlaveErrorCode.class)
  void everySlaveCodeMapsToItsClass(SlaveErrorCode code) {
    SlaveResponseException e = (SlaveResponseException) failWith(Side.SLAVE, code);
    assertSame(code, e.errorCode());
  }

  @ParameterizedTest
  @EnumSource(MasterErrorCode.class)
  void everyMasterCodeMapsToItsClass(MasterErrorCode code) {
    MasterResponseException e = (MasterResponseException) failWith(Side.MASTER, code);
    assertSame(code, e.errorCode());
  }

  private ResponseException failWith(Side side, ErrorCode code) {
    Map<String, Object> data = Map.of("hook", "said no");
    server.enqueue(envelope(code.httpStatus(), Envelope.failure(code, "message of " + code.name(), data)));
    ResponseException e = assertThrows(ResponseException.class, () -> engine(side, 0).send("POST", "/x", Map.of(), HEADERS));
    assertEquals(camelCase(code.name()), e.getClass().getSimpleName());
    assertEquals(code.httpStatus(), e.httpStatus());
    assertFalse(e.success());
    assertEquals(code.code(), e.code());
    assertEquals("message of " + code.name(), e.responseMessage());
    assertEquals(data, e.data());
    assertEquals("HTTP " + code.httpStatus() + ", code " + code.code() + ": message of " + code.name(), e.getMessage());
    return e;
  }

  private static String camelCase(String constant) {
    StringBuilder out = new StringBuilder();
    for (String word : constant.split("_")) {
      out.append(word.charAt(0)).append(word.substring(1).toLowerCase(Locale.ROOT));
    }
    return out.toString();
  }

  @Test
  void referenceStyleFailureWithHttp200IsStillAFailure() {
    server.enqueue(envelope(200, Envelope.failure(MasterErrorCode.TASK_DATA_INVALID, "Task information not found.", null)));
    MasterResponseException.TaskDataInvalid e =
        assertThrows(MasterResponseException.TaskDataInvalid.class, () -> engine(Side.MASTER, 0).send("PUT", "/slave/task/complete", Map.of(), HEADERS));
    assertEquals(200, e.httpStatus());
  }

  @Test
  void unknownCodeGivesTheBaseClass() {
    server.enqueue(envelope(400, new Envelope(false, 999, "new in v9", null)));
    ResponseException e = assertThrows(ResponseException.class, () -> engine(Side.SLAVE, 0).send("POST", "/x", Map.of(), HEADERS));
    assertSame(ResponseException.class, e.getClass());
    assertEquals(999, e.code());
    assertEquals(Map.of(), e.data());
  }

  @Test
  void failureWithoutEnvelopeGivesTheBaseClassWithAnExcerpt() {
    server.enqueue(new MockResponse().setResponseCode(502).setBody("<html>Bad Gateway</html>"));
    ResponseException e = assertThrows(ResponseException.class, () -> engine(Side.SLAVE, 0).send("POST", "/x", Map.of(), HEADERS));
    assertEquals(502, e.httpStatus());
    assertEquals(ResponseException.NO_ENVELOPE, e.code());
    assertTrue(e.responseMessage().contains("Bad Gateway"), e.responseMessage());
  }

  @Test
  void successWithNullDataAndWithoutDataReadsAsEmpty() throws Exception {
    server.enqueue(new MockResponse().setBody("{\"success\": true, \"code\": 0, \"message\": \"Connect success.\", \"data\": null}"));
    server.enqueue(new MockResponse().setBody("{\"success\": true, \"code\": 0, \"message\": \"Connect success.\"}"));
    HttpEngine engine = engine(Side.SLAVE, 0);
    Envelope withNull = engine.send("POST", "/connect", Map.of(), HEADERS);
    Envelope without = engine.send("POST", "/connect", Map.of(), HEADERS);
    assertNull(withNull.data());
    assertEquals(Map.of(), withNull.dataOrEmpty());
    assertEquals(Map.of(), without.dataOrEmpty());
  }

  @Test
  void failureWithNullDataHasEmptyData() {
    server.enqueue(new MockResponse().setResponseCode(403)
        .setBody("{\"success\": false, \"code\": 202, \"message\": \"Channel not match with this endpoint.\", \"data\": null}"));
    SlaveResponseException.ChannelInvalid e =
        assertThrows(SlaveResponseException.ChannelInvalid.class, () -> engine(Side.SLAVE, 0).send("POST", "/connect", Map.of(), HEADERS));
    assertEquals(Map.of(), e.data());
    assertInstanceOf(SlaveResponseException.class, e);
  }

  @Test
  void builderRejectsBadSettingsNamingTheValue() {
    HttpEngine.Builder builder = HttpEngine.builder(BaseUrl.of("127.0.0.1", 1, false), Side.SLAVE);
    assertEquals("retries < 0: -1", assertThrows(IllegalArgumentException.class, () -> builder.retries(-1)).getMessage());
    assertEquals("retryWait < 0: PT-1S",
        assertThrows(IllegalArgumentException.class, () -> builder.retryWait(Duration.ofSeconds(-1))).getMessage());
    assertEquals("port not in 1..65535: 0", assertThrows(IllegalArgumentException.class, () -> BaseUrl.of("h", 0, false)).getMessage());
    assertEquals("not an http or https URL: ftp://x", assertThrows(IllegalArgumentException.class, () -> BaseUrl.parse("ftp://x")).getMessage());
  }
}
