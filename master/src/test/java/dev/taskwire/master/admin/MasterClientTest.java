package dev.taskwire.master.admin;

import dev.taskwire.common.testing.MockRequests;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.protocol.Token;
import dev.taskwire.master.admin.AdminMessages.Connected;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link MasterClient} against a MockWebServer: the bodies it sends and the exceptions it throws. */
class MasterClientTest {
  private final Token token = Token.generate();
  private MockWebServer server;
  private MasterClient client;

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.start(InetAddress.getLoopbackAddress(), 0);
    client = new MasterClient("http://127.0.0.1:" + server.getPort(), token);
  }

  @AfterEach
  void stop() throws IOException {
    server.shutdown();
  }

  private void answer(int status, Envelope envelope) {
    server.enqueue(new MockResponse().setResponseCode(status).setBody(Json.toString(envelope)));
  }

  @Test
  void connectSendsEveryFieldOfTheRequestAndReadsTheConnectionAndTheAnswer() throws Exception {
    Map<String, Object> view = new java.util.LinkedHashMap<>();
    view.put("name", "s1");
    view.put("slave", "http://10.0.0.7:7236");
    view.put("state", "CONNECTED");
    view.put("slots", 4);
    view.put("extensions", List.of("cancel"));
    view.put("lastHeartbeatAgeMs", 12);
    view.put("tasksInFlight", 0);
    view.put("answer", Map.of("hello", "master"));
    answer(200, Envelope.success("Connected.", view));

    Connected connected = client.connect("s1", "10.0.0.7", 7236, false, Map.of("who", "cli"));

    RecordedRequest request = MockRequests.take(server);
    assertEquals("POST", request.getMethod());
    assertEquals("/api/v1/connections", request.getPath());
    assertEquals("Bearer " + token.value(), request.getHeader("Authorization"));
    assertEquals("{\"name\":\"s1\",\"host\":\"10.0.0.7\",\"port\":7236,\"https\":false,\"data\":{\"who\":\"cli\"}}",
        request.getBody().readUtf8());
    assertEquals(new AdminMessages.ConnectionView("s1", "http://10.0.0.7:7236", "CONNECTED", 4, List.of("cancel"), 12, 0),
        connected.connection());
    assertEquals(Map.of("hello", "master"), connected.answer());
  }

  @Test
  void submitSendsOnlyTheDataWhenNoTimeoutIsGiven() throws Exception {
    answer(200, Envelope.success("Task started.", Map.of("id", "t-1")));
    assertEquals("t-1", client.submit("s 1", Map.of("a", 1)));
    RecordedRequest request = MockRequests.take(server);
    assertEquals("/api/v1/connections/s%201/tasks", request.getPath());
    assertEquals("{\"data\":{\"a\":1}}", request.getBody().readUtf8());
  }

  @Test
  void aSubmitRequestWithATimeoutWritesItAsADuration() {
    assertEquals("{\"data\":{},\"timeout\":\"1.5s\"}",
        Json.toString(new AdminMessages.SubmitRequest(Map.of(), java.time.Duration.ofMillis(1_500))));
  }

  @Test
  void adminCodesAreThrownAsTheirSubclassWithTheStatusAnswered() {
    answer(400, new Envelope(false, 1001, "header Authorization was given more than once; send it once", Map.of()));
    AdminResponseException.Unauthorized twice = assertThrows(AdminResponseException.Unauthorized.class, client::connections);
    assertEquals(400, twice.httpStatus());
    assertEquals(1001, twice.code());
    answer(404, new Envelope(false, 1002, "no task x", null));
    assertEquals("no task x", assertThrows(AdminResponseException.NotFound.class, () -> client.task("x")).responseMessage());
  }

  @Test
  void aSlavesCodePassedThroughIsASlaveRefusal() {
    answer(409, new Envelope(false, 601, "the slave refused (TASK_ALREADY_EXIST): busy", Map.of("slaveStatus", 400)));
    AdminResponseException.SlaveRefused e =
        assertThrows(AdminResponseException.SlaveRefused.class, () -> client.submit("s1", Map.of()));
    assertEquals(601, e.code());
    assertEquals(400, e.slaveStatus());
    assertEquals(AdminErrorCode.SLAVE_REFUSED, e.errorCode());
  }

  @Test
  void a401WithoutAnAdminCodeIsUnauthorizedAndOtherHttpFailuresStayPlain() {
    server.enqueue(new MockResponse().setResponseCode(401).setBody("<html>proxy: log in</html>"));
    AdminResponseException.Unauthorized proxy = assertThrows(AdminResponseException.Unauthorized.class, client::connections);
    assertEquals(ResponseException.NO_ENVELOPE, proxy.code());
    answer(413, new Envelope(false, 413, "body larger than 65536 bytes", Map.of()));
    ResponseException tooLarge = assertThrows(ResponseException.class, () -> client.submit("s1", Map.of()));
    assertFalse(tooLarge instanceof AdminResponseException, tooLarge.getClass().getName());
    assertEquals(413, tooLarge.code());
  }
}
