package dev.taskwire.master.admin;

import dev.taskwire.slave.TestSlaves;
import dev.taskwire.master.TestMasters;
import static dev.taskwire.master.admin.AdminFailures.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.testing.Ports;
import dev.taskwire.common.testing.RawHttp;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.common.protocol.ConnectionNames;
import dev.taskwire.master.Master;
import dev.taskwire.master.MasterHooks;
import dev.taskwire.master.SlaveConnection;
import dev.taskwire.master.admin.AdminMessages.ConnectionView;
import dev.taskwire.master.admin.AdminMessages.TaskView;
import dev.taskwire.slave.Slave;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The admin API on a real master, driving a real slave, through {@link MasterClient} and raw HTTP. */
class AdminApiTest {
  private final Token token = Token.generate();
  private Master master;
  private Slave slave;
  private MasterClient client;
  @RegisterExtension final Servers servers = new Servers();

  @BeforeEach
  void start() {
    // The slave is closed first (Servers closes in reverse), so that it can still report the tasks
    // it stops to a live master.
    master = servers.start(TestMasters.loopback().channel(5).requestRetries(0)
        .extension(new AdminApi(token, 3)).build().start());
    slave = servers.start(TestSlaves.loopback().channel(5).slots(2).gracePeriod(Duration.ofMillis(100)).build().start());
    client = new MasterClient("http://127.0.0.1:" + master.port(), token);
  }

  @Test
  void connectListSubmitWaitAndDisconnect() throws Exception {
    ConnectionView connection = client.connect("s1", "127.0.0.1", slave.port(), false, Map.of("who", "admin")).connection();
    assertEquals("s1", connection.name());
    assertEquals(2, connection.slots());
    assertEquals("CONNECTED", connection.state());
    List<ConnectionView> connections = client.connections();
    assertEquals(1, connections.size());
    assertEquals("http://127.0.0.1:" + slave.port(), connections.get(0).slave());
    assertEquals(0, connections.get(0).tasksInFlight());

    String id = client.submit("s1", Map.of("a", 20, "b", 22));
    TaskView task = client.await(id, Duration.ofSeconds(10));
    assertEquals("COMPLETED", task.status());
    assertEquals(true, task.isFinal());
    assertEquals(Map.of("sum", 42), task.result());
    assertEquals(Map.of("a", 20, "b", 22), task.data());
    assertEquals("s1", task.connection());
    assertNotNull(task.createdAt());
    assertNotNull(task.startedAt());
    assertNotNull(task.finishedAt());
    assertEquals(task, client.task(id));

    client.disconnect("s1");
    assertEquals(List.of(), client.connections());
    assertTrue(!slave.isConnected());
  }

  @Test
  void failedTaskShowsItsReason() throws Exception {
    client.connect("s1", "127.0.0.1", slave.port(), false, Map.of());
    TaskView task = client.await(client.submit("s1", Map.of("fail", true)), Duration.ofSeconds(10));
    assertEquals("FAILED", task.status());
    assertEquals(Map.of("error", "requested failure"), task.result());
    assertEquals("SLAVE_FAILED", task.failure().reason());
  }

  @Test
  void longPollAnswersTheRunningTaskAtItsTimeout() throws Exception {
    client.connect("s1", "127.0.0.1", slave.port(), false, Map.of());
    String id = client.submit("s1", Map.of("a", 1, "b", 1, "sleepMs", 3_000));
    TaskView task = client.await(id, Duration.ofMillis(200));
    assertEquals("STARTED", task.status());
    assertEquals(false, task.isFinal());
  }

  @Test
  void recentTasksAreListedNewestFirstAndBounded() throws Exception {
    client.connect("s1", "127.0.0.1", slave.port(), false, Map.of());
    String[] ids = new String[4];
    for (int i = 0; i < 4; i++) {
      ids[i] = client.submit("s1", Map.of("a", i, "b", 0));
      client.await(ids[i], Duration.ofSeconds(10));
    }
    List<TaskView> tasks = client.tasks(10);
    assertEquals(List.of(ids[3], ids[2], ids[1]), tasks.stream().map(TaskView::id).toList(), "history keeps 3");
    assertEquals(1, client.tasks(1).size());
    failure(404, 1002, () -> client.task(ids[0]));
  }

  @Test
  void taskTimeoutFromTheRequestEndsASlowTask() throws Exception {
    client.connect("s1", "127.0.0.1", slave.port(), false, Map.of());
    Map<String, String> auth = Map.of("Authorization", "Bearer " + token.value());
    RawHttp.Response submitted = RawHttp.send(master.port(), "POST", "/api/v1/connections/s1/tasks", auth,
        "{\"data\": {\"a\": 1, \"b\": 1, \"sleepMs\": 5000, \"note\": null}, \"timeout\": \"200ms\"}");
    assertEquals(200, submitted.status(), submitted.body());
    TaskView task = client.await((String) submitted.envelope().data().get("id"), Duration.ofSeconds(10));
    assertEquals("FAILED", task.status());
    assertEquals("TIMEOUT", task.failure().reason());
  }

  @Test
  void missingOrWrongTokenIs401() throws Exception {
    RawHttp.Response none = RawHttp.send(master.port(), "GET", "/api/v1/connections", Map.of(), null);
    assertEquals(401, none.status());
    assertEquals(1001, none.envelope().code());
    assertEquals("missing header Authorization: Bearer <admin token>", none.envelope().message());
    MasterClient wrong = new MasterClient("http://127.0.0.1:" + master.port(), Token.generate());
    assertEquals("wrong admin token", failure(401, 1001, wrong::connections).responseMessage());
  }

  @Test
  void unknownConnectionOrTaskIs404() {
    assertEquals("no live connection named ghost", failure(404, 1002, () -> client.submit("ghost", Map.of())).responseMessage());
    failure(404, 1002, () -> client.disconnect("ghost"));
    failure(404, 1002, () -> client.task("no-such-id"));
    failure(404, 1002, () -> client.await("no-such-id", Duration.ofSeconds(1)));
  }

  @Test
  void malformedBodiesAndParametersAre400() throws Exception {
    Map<String, String> auth = Map.of("Authorization", "Bearer " + token.value());
    RawHttp.Response notJson = RawHttp.send(master.port(), "POST", "/api/v1/connections", auth, "{nope");
    assertEquals(400, notJson.status());
    assertEquals(1003, notJson.envelope().code());
    RawHttp.Response noName = RawHttp.send(master.port(), "POST", "/api/v1/connections", auth, "{\"host\": \"h\"}");
    assertEquals("name is missing; expected a non-empty string", noName.envelope().message());
    RawHttp.Response badPort = RawHttp.send(master.port(), "POST", "/api/v1/connections", auth, "{\"name\": \"x\", \"host\": \"h\", \"port\": \"80\"}");
    assertEquals(400, badPort.status());
    assertEquals("port must be a port number 1..65535, got 80", badPort.envelope().message());
    client.connect("s1", "127.0.0.1", slave.port(), false, Map.of());
    RawHttp.Response noData = RawHttp.send(master.port(), "POST", "/api/v1/connections/s1/tasks", auth, "{\"dta\": {\"a\": 1}}");
    assertEquals(400, noData.status());
    assertEquals("data is missing; expected an object", noData.envelope().message());
    RawHttp.Response badData = RawHttp.send(master.port(), "POST", "/api/v1/connections/s1/tasks", auth, "{\"data\": [1]}");
    assertEquals(400, badData.status());
    assertEquals("data must be an object, got [1]", badData.envelope().message());
    String id = client.submit("s1", Map.of("a", 1, "b", 2));
    RawHttp.Response badTimeout = RawHttp.send(master.port(), "GET", "/api/v1/tasks/" + id + "/wait?timeout=soon", auth, null);
    assertEquals(400, badTimeout.status());
    assertTrue(badTimeout.envelope().message().startsWith("timeout: not a duration"), badTimeout.envelope().message());
    RawHttp.Response badTaskTimeout = RawHttp.send(master.port(), "POST", "/api/v1/connections/s1/tasks", auth,
        "{\"data\": {}, \"timeout\": 5}");
    assertEquals("timeout must be a duration such as \"30s\", got 5", badTaskTimeout.envelope().message());
    RawHttp.Response tooLong = RawHttp.send(master.port(), "GET", "/api/v1/tasks/" + id + "/wait?timeout=2h", auth, null);
    assertEquals(400, tooLong.status());
    assertEquals("timeout must be at most 60s, got 2h", tooLong.envelope().message());
    RawHttp.Response badLimit = RawHttp.send(master.port(), "GET", "/api/v1/tasks?limit=-3", auth, null);
    assertEquals("limit must be a positive integer, got '-3'", badLimit.envelope().message());
  }

  @Test
  void slaveThatRefusesPassesItsCodeThrough() {
    slave.close();
    slave = servers.start(TestSlaves.loopback().channel(6).build().start());
    ResponseException e = failure(409, 202, () -> client.connect("s1", "127.0.0.1", slave.port(), false, Map.of()));
    assertEquals("the slave refused (CHANNEL_INVALID): Channel not match with this endpoint.", e.responseMessage());
    assertEquals(403, e.data().get("slaveStatus"));
  }

  @Test
  void unreachableSlaveIs502() {
    int port = Ports.free();
    ResponseException e = failure(502, 1005, () -> client.connect("s1", "127.0.0.1", port, false, Map.of()));
    assertTrue(e.responseMessage().startsWith("slave 127.0.0.1:" + port + " could not be reached"), e.responseMessage());
  }

  @Test
  void liveNameIs409() throws Exception {
    client.connect("s1", "127.0.0.1", slave.port(), false, Map.of());
    assertEquals("a live connection is already named s1",
        failure(409, 1004, () -> client.connect("s1", "127.0.0.1", slave.port(), false, Map.of())).responseMessage());
  }

  @Test
  void busySlaveRefusesTheTaskWithItsCode() throws Exception {
    client.connect("s1", "127.0.0.1", slave.port(), false, Map.of());
    client.submit("s1", Map.of("a", 1, "b", 1, "sleepMs", 3_000));
    client.submit("s1", Map.of("a", 1, "b", 1, "sleepMs", 3_000));
    failure(409, 601, () -> client.submit("s1", Map.of("a", 1, "b", 1)));
  }

  @Test
  void protocolEndpointsStillAnswerBesideTheAdminApi() throws Exception {
    assertEquals("PONG!", master.ping());
    RawHttp.Response heartbeat = RawHttp.send(master.port(), "GET", "/slave/heartbeat", Map.of("Channel", "5"), null);
    assertEquals(501, heartbeat.envelope().code());
  }

  /** A refusal of a bad name: 400/1003, the rule stated, no control character in the message. */
  private void assertNameRefused(String name, AdminFailures.Call call) {
    String message = failure(400, 1003, call).responseMessage();
    assertTrue(message.startsWith(ConnectionNames.RULE + "; got \""), message);
    assertFalse(message.chars().anyMatch(c -> c < 0x20), "no control character in: " + message);
  }

  @Test
  void connectRefusesNamesOutsideTheRule() {
    for (String name : List.of("s1\nINFO forged line", "a\u0000b", "x".repeat(10_000), "a b", "-a", "a/b")) {
      assertNameRefused(name, () -> client.connect(name, "127.0.0.1", slave.port(), false, Map.of()));
    }
    String newline = failure(400, 1003, () -> client.connect("s1\nINFO x", "127.0.0.1", slave.port(), false, Map.of()))
        .responseMessage();
    assertEquals(ConnectionNames.RULE + "; got \"s1\\nINFO x\"", newline);
    String longName = failure(400, 1003, () -> client.connect("x".repeat(10_000), "127.0.0.1", slave.port(), false, Map.of()))
        .responseMessage();
    assertTrue(longName.endsWith("…\" (10000 characters)"), longName);
    assertEquals("name must be a non-empty string, got \"\"",
        failure(400, 1003, () -> client.connect("", "127.0.0.1", slave.port(), false, Map.of())).responseMessage());
    assertEquals(List.of(), master.names().stream().toList());
    assertFalse(slave.isConnected());
  }

  @Test
  void namesAtTheLimitAndWithEachAllowedPunctuationConnectTakeTasksAndDisconnect() throws Exception {
    for (String name : List.of("x".repeat(ConnectionNames.MAX_LENGTH), "a.b", "a_b", "a-b", "a:b", "a@b", "W0.r_k-e:r@9")) {
      assertEquals(name, client.connect(name, "127.0.0.1", slave.port(), false, Map.of()).connection().name());
      TaskView task = client.await(client.submit(name, Map.of("a", 1, "b", 2)), Duration.ofSeconds(10));
      assertEquals(Map.of("sum", 3), task.result(), name);
      assertEquals(name, task.connection());
      client.disconnect(name);
      assertFalse(master.contains(name), name);
    }
  }

  @Test
  void badNamesInPathsAre400Not404() throws Exception {
    for (String name : List.of("a\nb", "a b", "x".repeat(ConnectionNames.MAX_LENGTH + 1), ".a")) {
      assertNameRefused(name, () -> client.disconnect(name));
      assertNameRefused(name, () -> client.submit(name, Map.of("a", 1, "b", 2)));
    }
    // An encoded NUL never reaches the route: Jetty refuses the path itself with a plain 400.
    Map<String, String> auth = Map.of("Authorization", "Bearer " + token.value());
    assertEquals(400, RawHttp.send(master.port(), "DELETE", "/api/v1/connections/a%00b", auth, null).status());
    // A good name that no connection has is still unknown.
    failure(404, 1002, () -> client.disconnect("ghost"));
  }

  @Test
  void valuesEchoedInMessagesAreEscaped() throws Exception {
    Map<String, String> auth = Map.of("Authorization", "Bearer " + token.value());
    RawHttp.Response task = RawHttp.send(master.port(), "GET", "/api/v1/tasks/a%0AINFO%20forged", auth, null);
    assertEquals(404, task.status());
    assertTrue(task.envelope().message().startsWith("no task a\\nINFO forged (only"), task.envelope().message());
    RawHttp.Response limit = RawHttp.send(master.port(), "GET", "/api/v1/tasks?limit=1%0D%0Ax", auth, null);
    assertEquals("limit must be a positive integer, got '1\\r\\nx'", limit.envelope().message());
    RawHttp.Response host = RawHttp.send(master.port(), "POST", "/api/v1/connections", auth,
        "{\"name\": \"s1\", \"host\": \"a\\nb\", \"port\": 7236}");
    assertEquals(400, host.status(), host.body());
    assertEquals(1003, host.envelope().code());
    assertTrue(host.envelope().message().contains("a\\nb"), host.envelope().message());
  }

  @Test
  void bearerSchemeIsCaseInsensitive() throws Exception {
    for (String scheme : List.of("Bearer", "bearer", "BEARER", "bEaReR")) {
      RawHttp.Response answer = RawHttp.send(master.port(), "GET", "/api/v1/connections",
          Map.of("Authorization", scheme + " " + token.value()), null);
      assertEquals(200, answer.status(), scheme + ": " + answer.body());
    }
    RawHttp.Response basic = RawHttp.send(master.port(), "GET", "/api/v1/connections",
        Map.of("Authorization", "Basic " + token.value()), null);
    assertEquals(401, basic.status());
    assertEquals(1001, basic.envelope().code());
  }

  @Test
  void duplicatedAuthorizationHeaderIs400WithCode1001() throws Exception {
    OkHttpClient http = new OkHttpClient();
    servers.after(() -> {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    });
    Request request = new Request.Builder().url("http://127.0.0.1:" + master.port() + "/api/v1/connections")
        .addHeader("Authorization", "Bearer " + token.value())
        .addHeader("Authorization", "Bearer " + token.value())
        .build();
    try (Response response = http.newCall(request).execute()) {
      assertEquals(400, response.code());
      Envelope envelope = Json.read(response.body().bytes(), Envelope.class);
      assertEquals(1001, envelope.code());
      assertEquals("header Authorization was given more than once; send it once", envelope.message());
    }
  }

  @Test
  void httpsThatIsNotABooleanIs400() throws Exception {
    Map<String, String> auth = Map.of("Authorization", "Bearer " + token.value());
    for (String https : List.of("\"yes\"", "\"false\"", "1", "0", "[]")) {
      RawHttp.Response answer = RawHttp.send(master.port(), "POST", "/api/v1/connections", auth,
          "{\"name\": \"s1\", \"host\": \"127.0.0.1\", \"port\": " + slave.port() + ", \"https\": " + https + "}");
      assertEquals(400, answer.status(), https);
      assertEquals(1003, answer.envelope().code());
      assertEquals("https must be true or false, got " + https, answer.envelope().message());
    }
    assertFalse(slave.isConnected());
    RawHttp.Response explicitFalse = RawHttp.send(master.port(), "POST", "/api/v1/connections", auth,
        "{\"name\": \"s1\", \"host\": \"127.0.0.1\", \"port\": " + slave.port() + ", \"https\": false}");
    assertEquals(200, explicitFalse.status(), explicitFalse.body());
  }

  @Test
  void portThatIsAFloatOrHugeIs400() throws Exception {
    Map<String, String> auth = Map.of("Authorization", "Bearer " + token.value());
    for (String port : List.of("7236.0", "7.236e3", "4294967296", "100000000000000000000000000000", "0", "65536", "-1")) {
      RawHttp.Response answer = RawHttp.send(master.port(), "POST", "/api/v1/connections", auth,
          "{\"name\": \"s1\", \"host\": \"127.0.0.1\", \"port\": " + port + "}");
      assertEquals(400, answer.status(), port);
      assertEquals(1003, answer.envelope().code(), port);
      assertTrue(answer.envelope().message().startsWith("port must be a port number 1..65535, got "), answer.body());
    }
    // Beyond a double: refused while parsing, not read as Infinity.
    RawHttp.Response infinite = RawHttp.send(master.port(), "POST", "/api/v1/connections", auth,
        "{\"name\": \"s1\", \"host\": \"127.0.0.1\", \"port\": 1e400}");
    assertEquals(400, infinite.status());
    assertEquals(1003, infinite.envelope().code());
    assertEquals("body is not valid JSON: number 1e400 is out of range", infinite.envelope().message());
    // Longer than Jackson reads as a number: refused while parsing, with a short message.
    RawHttp.Response tooLong = RawHttp.send(master.port(), "POST", "/api/v1/connections", auth,
        "{\"name\": \"s1\", \"host\": \"127.0.0.1\", \"port\": " + "9".repeat(5_000) + "}");
    assertEquals(400, tooLong.status());
    assertEquals(1003, tooLong.envelope().code());
    assertTrue(tooLong.envelope().message().length() < 1_100, tooLong.envelope().message());
    assertFalse(tooLong.envelope().message().contains("Exception"), tooLong.envelope().message());
  }

  @Test
  void messagesNameNoJavaClasses() throws Exception {
    int port = Ports.free();
    String unreachable = failure(502, 1005, () -> client.connect("s1", "127.0.0.1", port, false, Map.of())).responseMessage();
    Map<String, String> auth = Map.of("Authorization", "Bearer " + token.value());
    String notJson = RawHttp.send(master.port(), "POST", "/api/v1/connections", auth, "{\"name\": \u0000}").envelope().message();
    String badHost = RawHttp.send(master.port(), "POST", "/api/v1/connections", auth, "{\"name\": \"s1\", \"host\": \"a b\"}")
        .envelope().message();
    for (String message : List.of(unreachable, notJson, badHost)) {
      assertFalse(message.matches("(?s).*(java\\.|Exception|\\$).*"), message);
    }
  }

  @Test
  void answersKeepTheirKeysOnTheWire() throws Exception {
    Map<String, String> auth = Map.of("Authorization", "Bearer " + token.value());
    List<String> connectionKeys = List.of("name", "slave", "state", "slots", "extensions", "lastHeartbeatAgeMs", "tasksInFlight",
        "labels", "freeSlots");
    RawHttp.Response connected = RawHttp.send(master.port(), "POST", "/api/v1/connections", auth,
        "{\"name\": \"s1\", \"host\": \"127.0.0.1\", \"port\": " + slave.port() + "}");
    assertEquals(200, connected.status(), connected.body());
    List<String> connectKeys = new java.util.ArrayList<>(connectionKeys);
    connectKeys.add("answer");
    assertEquals(connectKeys, List.copyOf(connected.envelope().data().keySet()));

    Map<String, Object> listed = RawHttp.send(master.port(), "GET", "/api/v1/connections", auth, null).envelope().data();
    assertEquals(List.of("connections"), List.copyOf(listed.keySet()));
    assertEquals(connectionKeys, List.copyOf(((Map<?, ?>) ((List<?>) listed.get("connections")).get(0)).keySet()));

    Map<String, Object> submitted = RawHttp.send(master.port(), "POST", "/api/v1/connections/s1/tasks", auth,
        "{\"data\": {\"fail\": true}}").envelope().data();
    assertEquals(List.of("id"), List.copyOf(submitted.keySet()));
    String id = (String) submitted.get("id");
    List<String> taskKeys =
        List.of("id", "connection", "status", "final", "data", "result", "failure", "createdAt", "startedAt", "finishedAt",
            "progress");
    Map<String, Object> waited = RawHttp.send(master.port(), "GET", "/api/v1/tasks/" + id + "/wait?timeout=10s", auth, null)
        .envelope().data();
    assertEquals(taskKeys, List.copyOf(waited.keySet()));
    assertEquals(true, waited.get("final"));
    assertEquals(java.util.Set.of("reason", "message"), ((Map<?, ?>) waited.get("failure")).keySet());
    assertEquals(waited, RawHttp.send(master.port(), "GET", "/api/v1/tasks/" + id, auth, null).envelope().data());
    Map<String, Object> tasks = RawHttp.send(master.port(), "GET", "/api/v1/tasks", auth, null).envelope().data();
    assertEquals(Map.of("tasks", List.of(waited)), tasks);
    RawHttp.Response removed = RawHttp.send(master.port(), "DELETE", "/api/v1/connections/s1", auth, null);
    assertEquals(200, removed.status(), removed.body());
    assertEquals(null, removed.envelope().data());
  }

  @Test
  void failuresAreThrownAsTheSubclassOfTheirCode() throws Exception {
    MasterClient wrong = new MasterClient("http://127.0.0.1:" + master.port(), Token.generate());
    assertThrows(AdminResponseException.Unauthorized.class, wrong::connections);
    assertThrows(AdminResponseException.NotFound.class, () -> client.task("no-such-id"));
    assertThrows(AdminResponseException.NotFound.class, () -> client.disconnect("ghost"));
    assertThrows(AdminResponseException.BadRequest.class, () -> client.submit("a b", Map.of()));
    int port = Ports.free();
    assertThrows(AdminResponseException.SlaveUnreachable.class, () -> client.connect("s1", "127.0.0.1", port, false, Map.of()));
    client.connect("s1", "127.0.0.1", slave.port(), false, Map.of());
    AdminResponseException.Conflict taken = assertThrows(AdminResponseException.Conflict.class,
        () -> client.connect("s1", "127.0.0.1", slave.port(), false, Map.of()));
    assertEquals(AdminErrorCode.CONFLICT, taken.errorCode());
    Slave other = servers.start(TestSlaves.loopback().channel(6).build().start());
    AdminResponseException.SlaveRefused refused = assertThrows(AdminResponseException.SlaveRefused.class,
        () -> client.connect("s2", "127.0.0.1", other.port(), false, Map.of()));
    assertEquals(409, refused.httpStatus());
    assertEquals(202, refused.code());
    assertEquals(403, refused.slaveStatus());
    assertEquals(AdminErrorCode.SLAVE_REFUSED, refused.errorCode());
  }

  /** An after-connect value that Jackson cannot write: its getter throws. */
  public static final class Unwritable {
    public String getValue() {
      throw new IllegalStateException("not now");
    }
  }

  @Test
  void anAfterConnectValueThatCannotBeWrittenIs500NotABadRequest() {
    MasterHooks hooks = new MasterHooks() {
      @Override
      public Object afterConnect(SlaveConnection connection, Envelope answer) {
        return new Unwritable();
      }
    };
    Master hooked = servers.start(TestMasters.loopback().channel(5).requestRetries(0)
        .hooks(hooks).extension(new AdminApi(token, 3)).build().start());
    MasterClient hookedClient = new MasterClient("http://127.0.0.1:" + hooked.port(), token);
    ResponseException e = failure(500, 500, () -> hookedClient.connect("s1", "127.0.0.1", slave.port(), false, Map.of()));
    assertEquals("internal error", e.responseMessage());
  }
}
