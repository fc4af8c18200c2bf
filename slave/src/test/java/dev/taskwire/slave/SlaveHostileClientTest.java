package dev.taskwire.slave;

import static dev.taskwire.common.testing.HostileClient.headers;
import static dev.taskwire.common.testing.HostileClient.nested;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.Messages.Proof;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.security.ProofCheck;
import dev.taskwire.common.security.SharedSecret;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.HostileClient;
import dev.taskwire.common.testing.HostileClient.Malformed;
import dev.taskwire.common.testing.HostileClient.SlowRequest;
import dev.taskwire.common.testing.PeerClient;
import dev.taskwire.common.testing.Ports;
import dev.taskwire.common.testing.RawHttp;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.common.util.LogSafe;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real slave on port 0 against clients that reset, trickle, and send what no HTTP library would:
 * every answer is an envelope, no HTTP thread stays busy, and the slave keeps serving.
 */
class SlaveHostileClientTest {
  private static final String CHANNEL = "42";
  private static final Duration BODY_TIMEOUT = Duration.ofSeconds(3);
  private static final String HTTP_THREADS = "taskwire-slave-http";

  @RegisterExtension final Servers servers = new Servers();
  private Slave slave;
  private int port;

  @BeforeEach
  void start() {
    slave = servers.start(TestSlaves.loopback().channel(42).heartbeatSpan(Duration.ofMillis(200))
        .requestRetries(0).retryWait(Duration.ZERO).bodyTimeout(BODY_TIMEOUT)
        .maxMasterTolerance(Duration.ofSeconds(1))
        .processor(data -> Map.of("echo", data)).build().start());
    port = slave.port();
  }

  private String head(String method, String path, Map<String, String> headers) {
    return HostileClient.head(method, path, port, headers);
  }

  private void assertServesNormally() throws IOException {
    HostileClient.awaitNoneInHandlers(HTTP_THREADS);
    RawHttp.Response health = RawHttp.send(port, "GET", "/health", Map.of(), null);
    assertEquals(200, health.status());
    assertEquals("Healthy.", health.envelope().message());
  }

  @Test
  void requestsResetBeforeTheirAnswerLeaveNoThreadBusy() throws Exception {
    for (int i = 0; i < 100; i++) {
      HostileClient.sendThenReset(port, head("GET", "/health", Map.of()));
      HostileClient.sendThenReset(port, head("POST", "/task/new", headers("Channel", CHANNEL, "Token", "wrong")));
      HostileClient.sendThenReset(port, head("GET", "/no-such-endpoint", Map.of()));
    }
    assertServesNormally();
  }

  @Test
  void partialBodiesThenResetLeaveNoThreadBusyAndTheRealMasterConnects() throws Exception {
    for (int i = 0; i < 100; i++) {
      HostileClient.sendThenReset(port,
          head("POST", "/connect", headers("Channel", CHANNEL, "Token", "t" + i, "Content-Length", "1000")) + "{\"master\": ");
    }
    assertServesNormally();
    Envelope connected = new PeerClient(port, Side.SLAVE).send("POST", "/connect",
        Map.of("master", Map.of("address", "http://127.0.0.1:9")), CHANNEL, "the-real-master");
    assertEquals("Connect success.", connected.message());
  }

  @Test
  void slowBodiesAreCutAtTheBodyTimeoutWhileOtherRequestsAreServed() throws Exception {
    // Each slow client trickles one byte at a time; the server is meanwhile asked for its health.
    List<SlowRequest> slow = HostileClient.slowRequestsInHandlers(servers, port, HTTP_THREADS, 20,
        i -> head("POST", "/connect", headers("Channel", CHANNEL, "Token", "slow" + i, "Content-Length", "1000")));
    RawHttp.Response health = RawHttp.send(port, "GET", "/health", Map.of(), null);
    assertEquals(200, health.status());
    HostileClient.assertCutAtTheBodyTimeout(slow);
    assertServesNormally();
  }

  @Test
  void slowClientsCannotHoldEveryHttpThread() throws Exception {
    // A body time limit far past the test, so that the slow clients hold their threads throughout.
    slave.close();
    slave = servers.start(TestSlaves.loopback().channel(42).bodyTimeout(Duration.ofMinutes(5)).build().start());
    port = slave.port();
    int readers = 200 * 3 / 4; // three quarters of the 200 HTTP threads may read bodies
    int clients = readers + 30;
    List<SlowRequest> slow = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      slow.add(servers.start(new SlowRequest(port,
          head("POST", "/connect", headers("Channel", CHANNEL, "Token", "slow" + i, "Content-Length", "1000")))));
      assertTrue(slow.get(i).trickle());
    }
    Await.until(Duration.ofSeconds(20), "every body reader held by a slow client",
        () -> HostileClient.threadsInHandlers(HTTP_THREADS).size() >= readers);
    // Every reader is held, yet a request without a body is served.
    RawHttp.Response health = RawHttp.send(port, "GET", "/health", Map.of(), null);
    assertEquals(200, health.status());
    // The clients past the readers were answered 429 at once; the others are still held.
    Await.until(Duration.ofSeconds(20), "the clients past the readers answered",
        () -> slow.stream().filter(SlaveHostileClientTest::answered).count() >= clients - readers);
    for (SlowRequest request : slow) {
      if (answered(request)) {
        RawHttp.Response answer = request.answer();
        assertEquals(429, answer.status(), answer.body());
        assertEquals(429, answer.envelope().code());
      }
    }
    for (SlowRequest request : slow) {
      request.close(); // the held reads end with their connections
    }
    assertServesNormally();
  }

  private static boolean answered(SlowRequest request) {
    try {
      return request.answered();
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void aBodyThatStopsComingFreesItsThreadAtTheBodyTimeout() throws Exception {
    SlowRequest stalled = servers.start(new SlowRequest(port,
        head("POST", "/connect", headers("Channel", CHANNEL, "Token", "stalled", "Content-Length", "100"))));
    assertTrue(stalled.trickle()); // one byte, so the request reaches its handler; then nothing
    Await.until(Duration.ofSeconds(5), "the stalled request inside its handler",
        () -> HostileClient.threadsInHandlers(HTTP_THREADS).size() == 1);
    RawHttp.Response answer = stalled.answer();
    assertNotNull(answer, "answered at the deadline");
    assertEquals(408, answer.status());
    assertEquals(408, answer.envelope().code());
    stalled.close();
    assertServesNormally();
  }

  @Test
  void requestsJettyRefusesAreAnsweredWithEnvelopes() throws Exception {
    Map<String, Malformed> requests = new LinkedHashMap<>();
    requests.put("chunked plus Content-Length", new Malformed(head("POST", "/connect",
        headers("Transfer-Encoding", "chunked", "Content-Length", "5")) + "0\r\n\r\n", 400));
    requests.put("bad Content-Length", new Malformed(head("POST", "/connect", headers("Content-Length", "abc")), 400));
    requests.put("duplicate Content-Length", new Malformed(
        "POST /connect HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400));
    requests.put("NUL in the path", new Malformed(head("GET", "/health%00", Map.of()), 400));
    requests.put("dot segments in the path", new Malformed(head("GET", "/../health", Map.of()), 400));
    requests.put("encoded dot segments", new Malformed(head("GET", "/%2e%2e/health", Map.of()), 400));
    requests.put("long URI", new Malformed(head("GET", "/" + "a".repeat(20_000), Map.of()), 414));
    requests.put("long headers", new Malformed(head("GET", "/health", headers("X-Long", "b".repeat(20_000))), 431));
    requests.put("not HTTP", new Malformed("HELLO\r\n\r\n", 400));
    HostileClient.assertAnsweredWithEnvelopes(port, requests);
    assertServesNormally();
  }

  @Test
  void duplicatedChannelAndTokenHeadersAreRefusedWithTheirCodes() throws Exception {
    String body = "{\"master\": {\"address\": \"http://127.0.0.1:9\"}}";
    String twoChannels = "POST /connect HTTP/1.1\r\nHost: x\r\nConnection: close\r\nChannel: 42\r\nChannel: 7\r\nToken: t\r\n"
        + "Content-Length: " + body.length() + "\r\n\r\n" + body;
    RawHttp.Response channel = HostileClient.exchange(port, twoChannels.getBytes(StandardCharsets.ISO_8859_1));
    assertEquals(400, channel.status());
    assertEquals(201, channel.envelope().code());
    assertEquals("Channel header given more than once.", channel.envelope().message());

    String twoTokens = "POST /connect HTTP/1.1\r\nHost: x\r\nConnection: close\r\nChannel: 42\r\nToken: a\r\nToken: b\r\n"
        + "Content-Length: " + body.length() + "\r\n\r\n" + body;
    RawHttp.Response token = HostileClient.exchange(port, twoTokens.getBytes(StandardCharsets.ISO_8859_1));
    assertEquals(400, token.status());
    assertEquals(301, token.envelope().code());
    assertFalse(slave.isConnected());
  }

  @Test
  void duplicateKeysAndNumbersOutOfRangeAreRefused() throws Exception {
    PeerClient client = new PeerClient(port, Side.SLAVE);
    var duplicate = RawHttp.send(port, "POST", "/connect", Map.of("Channel", CHANNEL, "Token", "t"),
        "{\"master\": {\"address\": \"http://127.0.0.1:9\", \"address\": \"http://evil:1\"}}");
    assertEquals(400, duplicate.status());
    assertEquals(1, duplicate.envelope().code());
    assertTrue(duplicate.envelope().message().contains("appears twice"), duplicate.envelope().message());

    var infinite = RawHttp.send(port, "POST", "/connect", Map.of("Channel", CHANNEL, "Token", "t"),
        "{\"master\": {\"address\": \"http://127.0.0.1:9\"}, \"data\": {\"x\": 1e999999}}");
    assertEquals(400, infinite.status());
    assertEquals(1, infinite.envelope().code());
    assertTrue(infinite.envelope().message().contains("out of range"), infinite.envelope().message());
    for (var answer : List.of(duplicate, infinite)) {
      assertFalse(answer.body().contains("java.") || answer.body().contains("jackson"), answer.body());
    }
    assertFalse(slave.isConnected());
    client.send("POST", "/connect", Map.of("master", Map.of("address", "http://127.0.0.1:9")), CHANNEL, "t");
  }

  @Test
  void taskDataNestedAtTheLimitIsAcceptedAndOnePastItRefused() throws Exception {
    PeerClient client = new PeerClient(port, Side.SLAVE);
    client.send("POST", "/connect", Map.of("master", Map.of("address", "http://127.0.0.1:9")), CHANNEL, "t");
    Envelope accepted = client.send("POST", "/task/new",
        Map.of("task", Map.of("id", "deep-1"), "data", nested(Json.MAX_DATA_DEPTH)), CHANNEL, "t");
    assertEquals("Task received!", accepted.message());
    var refused = client.fail("POST", "/task/new",
        Map.of("task", Map.of("id", "deep-2"), "data", nested(Json.MAX_DATA_DEPTH + 1)), CHANNEL, "t", 400, 1);
    assertTrue(refused.responseMessage().contains("nests deeper"), refused.responseMessage());
  }

  @Test
  void aHugeAnnouncedToleranceIsClampedAndADeadMasterDropped() throws Exception {
    int deadPort = Ports.free();
    Map<String, Object> taskwire = Map.of("version", "1.0", "extensions", List.of(), "heartbeatToleranceMs", Long.MAX_VALUE);
    new PeerClient(port, Side.SLAVE).send("POST", "/connect",
        Map.of("master", Map.of("address", "http://127.0.0.1:" + deadPort, "taskwire", taskwire)), CHANNEL, "t");
    assertTrue(slave.isConnected());
    // Clamped to the slave's maxMasterTolerance (1 s here); unclamped it would never drop it.
    Await.until(Duration.ofSeconds(10), "the slave gives up the dead master", () -> !slave.isConnected());
  }

  /** What the issue saw echoed whole: 60,000 characters, and control characters that forge a log line. */
  private static final String HOSTILE_ADDRESS = "\u0000\n2024-01-01 INFO forged line\u001b[31m\r\u0085" + "x".repeat(60_000);

  @Test
  void aHugeMasterAddressWithControlCharactersIsEchoedEscapedAndCut() {
    ResponseException refused = new PeerClient(port, Side.SLAVE).fail("POST", "/connect",
        Map.of("master", Map.of("address", HOSTILE_ADDRESS)), CHANNEL, "t", 400, 1);
    String message = refused.responseMessage();
    assertTrue(message.startsWith("master.address is not an http or https URL: \\u0000\\n2024-01-01 INFO forged line"
        + "\\u001b[31m\\r\\u0085xxx"), message);
    assertTrue(message.endsWith("x…"), message);
    assertEquals("master.address is not an http or https URL: ".length() + LogSafe.DEFAULT_MAX_CHARS + 1, message.length());
    assertNoControlCharacters(message);
    assertFalse(slave.isConnected());
  }

  @Test
  void aSlaveWithASecretEchoesNothingOfAConnectBeforeItsProof() throws Exception {
    SharedSecret secret = SharedSecret.generate();
    Slave guarded = servers.start(TestSlaves.loopback().channel(42).secret(secret).build().start());
    PeerClient client = new PeerClient(guarded.port(), Side.SLAVE);
    for (Object master : List.of(Map.of("address", HOSTILE_ADDRESS), HOSTILE_ADDRESS, Map.of("address", List.of(HOSTILE_ADDRESS)))) {
      ResponseException refused = client.fail("POST", "/connect", Map.of("master", master), CHANNEL, "t", 403, 503);
      assertEquals("Connection refused!", refused.responseMessage());
      assertEquals("proof missing", refused.data().get("reason"));
      assertFalse(Json.toString(refused.data()).contains("forged"), refused.data().toString());
    }
    // A master that proves the secret is told what is wrong with its address, escaped and cut.
    Proof proof = new ProofCheck(secret).proveConnect(42, "t", HOSTILE_ADDRESS, "http://127.0.0.1:" + guarded.port());
    Map<String, Object> taskwire = Map.of("version", "1.0", "extensions", List.of(),
        "proof", Map.of("timestamp", proof.timestamp(), "mac", proof.mac(), "to", proof.to()));
    ResponseException proven = client.fail("POST", "/connect",
        Map.of("master", Map.of("address", HOSTILE_ADDRESS, "taskwire", taskwire)), CHANNEL, "t", 400, 1);
    assertTrue(proven.responseMessage().startsWith("master.address is not an http or https URL: \\u0000\\n"),
        proven.responseMessage());
    assertTrue(proven.responseMessage().length() < 300, proven.responseMessage());
    assertNoControlCharacters(proven.responseMessage());
    assertFalse(guarded.isConnected());
  }

  private static void assertNoControlCharacters(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      assertFalse(c < 0x20 || (c >= 0x7f && c <= 0x9f), "control character " + (int) c + " at " + i + " of " + text);
    }
  }
}
