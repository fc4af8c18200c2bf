package dev.taskwire.master;

import dev.taskwire.slave.TestSlaves;
import static dev.taskwire.common.testing.HostileClient.nested;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.testing.HostileClient;
import dev.taskwire.common.testing.HostileClient.Malformed;
import dev.taskwire.common.testing.HostileClient.SlowRequest;
import dev.taskwire.common.testing.RawHttp;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.master.admin.AdminApi;
import dev.taskwire.master.admin.AdminMessages;
import dev.taskwire.master.admin.MasterClient;
import dev.taskwire.slave.Slave;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real master (with its admin API) on port 0 against clients that reset, trickle, and send what
 * no HTTP library would: every answer is an envelope, no HTTP thread stays busy, and it keeps
 * serving its slaves.
 */
class MasterHostileClientTest {
  private static final String CHANNEL = "5";
  private static final Duration BODY_TIMEOUT = Duration.ofSeconds(3);
  private static final String HTTP_THREADS = "taskwire-master-http";

  private final Token adminToken = Token.generate();
  @RegisterExtension final Servers servers = new Servers();
  private Master master;
  private Slave slave;
  private int port;

  @BeforeEach
  void start() {
    master = servers.start(TestMasters.loopback().channel(5).requestRetries(0)
        .bodyTimeout(BODY_TIMEOUT).extension(new AdminApi(adminToken, 100)).build().start());
    slave = servers.start(TestSlaves.loopback().channel(5).slots(2).gracePeriod(Duration.ofMillis(100))
        .processor(data -> data).build().start());
    port = master.port();
  }

  private String head(String method, String path, Map<String, String> headers) {
    return HostileClient.head(method, path, port, headers);
  }

  private Map<String, String> admin(String... more) {
    Map<String, String> headers = HostileClient.headers("Authorization", "Bearer " + adminToken.value());
    headers.putAll(HostileClient.headers(more));
    return headers;
  }

  /** No HTTP thread left in a handler, and the master still runs a task end to end. */
  private void assertServesNormally() throws Exception {
    HostileClient.awaitNoneInHandlers(HTTP_THREADS);
    SlaveConnection connection = master.contains("s") ? master.get("s") : master.newConnection("s", "127.0.0.1", slave.port());
    if (!connection.isConnected()) {
      connection.connect();
    }
    Task task = connection.newTask(Map.of("a", 1)).start().join(Duration.ofSeconds(10));
    assertEquals(TaskStatus.COMPLETED, task.status());
    assertEquals(Map.of("a", 1), task.result());
  }

  @Test
  void requestsResetBeforeTheirAnswerLeaveNoThreadBusy() throws Exception {
    for (int i = 0; i < 100; i++) {
      HostileClient.sendThenReset(port, head("GET", "/slave/heartbeat", Map.of("Channel", CHANNEL, "Token", "nobody")));
      HostileClient.sendThenReset(port, head("GET", "/api/v1/connections", admin()));
      HostileClient.sendThenReset(port, head("GET", "/health", Map.of()));
    }
    assertServesNormally();
  }

  @Test
  void partialBodiesThenResetLeaveNoThreadBusy() throws Exception {
    for (int i = 0; i < 100; i++) {
      HostileClient.sendThenReset(port,
          head("POST", "/api/v1/connections/s/tasks", admin("Content-Length", "1000")) + "{\"data\": {\"a\": ");
    }
    assertServesNormally();
  }

  @Test
  void slowBodiesAreCutAtTheBodyTimeoutWhileSlavesAreServed() throws Exception {
    SlaveConnection connection = master.newConnection("s", "127.0.0.1", slave.port());
    connection.connect();
    List<SlowRequest> slow = HostileClient.slowRequestsInHandlers(servers, port, HTTP_THREADS, 20,
        i -> head("POST", "/api/v1/connections/s/tasks", admin("Content-Length", "1000")));
    // Meanwhile the slave's heartbeats and reports go through: a task runs end to end.
    Task task = connection.newTask(Map.of("during", true)).start().join(Duration.ofSeconds(10));
    assertEquals(TaskStatus.COMPLETED, task.status());
    HostileClient.assertCutAtTheBodyTimeout(slow);
    assertServesNormally();
  }

  @Test
  void requestsJettyRefusesAreAnsweredWithEnvelopes() throws Exception {
    Map<String, Malformed> requests = new LinkedHashMap<>();
    requests.put("chunked plus Content-Length", new Malformed(head("PUT", "/slave/task/complete",
        Map.of("Transfer-Encoding", "chunked", "Content-Length", "5")) + "0\r\n\r\n", 400));
    requests.put("bad Content-Length", new Malformed(head("PUT", "/slave/task/complete", Map.of("Content-Length", "-1")), 400));
    requests.put("duplicate Content-Length", new Malformed(
        "PUT /slave/task/complete HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400));
    requests.put("NUL in the path", new Malformed(head("GET", "/api/v1/tasks/%00", admin()), 400));
    requests.put("dot segments in the path", new Malformed(head("GET", "/../health", Map.of()), 400));
    requests.put("long URI", new Malformed(head("GET", "/api/v1/tasks/" + "a".repeat(20_000), admin()), 414));
    requests.put("long headers", new Malformed(head("GET", "/health", Map.of("X-Long", "b".repeat(20_000))), 431));
    HostileClient.assertAnsweredWithEnvelopes(port, requests);
    RawHttp.Response http09 = HostileClient.exchange(port, "GET /health\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    assertEquals(505, http09.status());
    assertEquals(500, http09.envelope().code(), "a server-error status no code of ours has is 500");
    assertServesNormally();
  }

  @Test
  void duplicatedChannelAndTokenHeadersAreRefusedWithTheirCodes() throws Exception {
    String twoChannels = "GET /slave/heartbeat HTTP/1.1\r\nHost: x\r\nConnection: close\r\nChannel: 5\r\nChannel: 6\r\nToken: t\r\n\r\n";
    RawHttp.Response channel = HostileClient.exchange(port, twoChannels.getBytes(StandardCharsets.ISO_8859_1));
    assertEquals(400, channel.status());
    assertEquals(201, channel.envelope().code());
    String twoTokens = "GET /slave/heartbeat HTTP/1.1\r\nHost: x\r\nConnection: close\r\nChannel: 5\r\nToken: a\r\nToken: b\r\n\r\n";
    RawHttp.Response token = HostileClient.exchange(port, twoTokens.getBytes(StandardCharsets.ISO_8859_1));
    assertEquals(400, token.status());
    assertEquals(501, token.envelope().code());
    String twoSelfTokens = "GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\nToken: a\r\nToken: b\r\n\r\n";
    RawHttp.Response self = HostileClient.exchange(port, twoSelfTokens.getBytes(StandardCharsets.ISO_8859_1));
    assertEquals(400, self.status());
    assertEquals(401, self.envelope().code());
  }

  @Test
  void dataNestedAtTheLimitRunsAndEveryViewOfItAnswers() throws Exception {
    MasterClient client = new MasterClient("http://127.0.0.1:" + port, adminToken);
    client.connect("s", "127.0.0.1", slave.port(), false, Map.of());
    Map<String, Object> deepest = nested(Json.MAX_DATA_DEPTH);
    String id = client.submit("s", deepest);
    AdminMessages.TaskView done = client.awaitFinal(id, Duration.ofSeconds(10));
    assertEquals("COMPLETED", done.status());
    assertEquals(deepest, done.result(), "the slave echoed the data: it went there and back whole");
    assertEquals(deepest, client.task(id).data());
    assertEquals(1, client.tasks(10).size());

    ResponseException tooDeep = assertThrows(ResponseException.class, () -> client.submit("s", nested(Json.MAX_DATA_DEPTH + 1)));
    assertEquals(400, tooDeep.httpStatus());
    assertEquals(1003, tooDeep.code());
    assertTrue(tooDeep.responseMessage().contains("nests deeper"), tooDeep.responseMessage());
    assertEquals(1, client.tasks(10).size(), "nothing half-accepted");
  }

  @Test
  void dataNestedPastTheLimitIsRefusedByTheSlaveThroughTheJavaApi() throws Exception {
    SlaveConnection connection = master.newConnection("s", "127.0.0.1", slave.port());
    connection.connect();
    Task atLimit = connection.newTask(nested(Json.MAX_DATA_DEPTH)).start().join(Duration.ofSeconds(10));
    assertEquals(TaskStatus.COMPLETED, atLimit.status());
    Task tooDeep = connection.newTask(nested(Json.MAX_DATA_DEPTH + 1));
    ResponseException refused = assertThrows(ResponseException.class, tooDeep::start);
    assertEquals(400, refused.httpStatus());
    assertEquals(TaskStatus.START_FAILED, tooDeep.status());
  }
}
