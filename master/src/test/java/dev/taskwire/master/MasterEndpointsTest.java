package dev.taskwire.master;

import dev.taskwire.common.testing.Answers;
import dev.taskwire.common.testing.MockRequests;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.testing.PeerClient;
import dev.taskwire.common.testing.RawHttp;
import dev.taskwire.common.testing.Servers;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A real master on port 0, driven by raw HTTP as a slave would: every endpoint and error code. */
class MasterEndpointsTest {
  private static final String CHANNEL = "42";
  @RegisterExtension final Servers servers = new Servers();
  private final MockWebServer slave = servers.start(new MockWebServer());
  private Master master;
  private PeerClient client;
  private SlaveConnection connection;
  private String token;

  @BeforeEach
  void start() throws Exception {
    slave.start(InetAddress.getLoopbackAddress(), 0);
    master = servers.start(TestMasters.loopback().channel(42)
        .requestRetries(0).build().start());
    client = new PeerClient(master.port(), Side.MASTER);
    slave.enqueue(Answers.success("Connect success."));
    connection = master.newConnection("s1", "127.0.0.1", slave.getPort());
    connection.connect();
    token = MockRequests.take(slave).getHeader("Token");
  }

  private Task startedTask() throws IOException {
    slave.enqueue(Answers.success("Task received!"));
    return connection.newTask(Map.of("a", 1)).start();
  }

  private static Map<String, Object> report(String id, Map<String, Object> result) {
    return Map.of("task", Map.of("id", id), "result", result);
  }

  @Test
  void aMasterOnLoopbackOnlyCallsBackOnLoopbackByDefault() {
    // No callbackHost: a non-loopback address would not answer, and slaves would lose every report.
    Master onLoopback = servers.start(Master.builder().host("127.0.0.1").port(0).build().start());
    assertEquals("http://127.0.0.1:" + onLoopback.port(), onLoopback.myAddress());
  }

  @Test
  void heartbeatIsReceivedWithChannelAndToken() throws Exception {
    assertEquals("Received!", client.send("GET", "/slave/heartbeat", null, CHANNEL, token).message());
  }

  @Test
  void referenceStyleHeartbeatWithBodyIsReceived() throws Exception {
    RawHttp.Response response = RawHttp.send(master.port(), "GET", "/slave/heartbeat", Map.of("Channel", CHANNEL, "Token", token), "{}");
    assertEquals(200, response.status());
    assertEquals("Received!", response.envelope().message());
  }

  @Test
  void channelMissingWrongOrNotANumberIsRefused() {
    assertEquals("Channel not found.", client.fail("GET", "/slave/heartbeat", null, null, token, 400, 201).responseMessage());
    assertEquals("Channel not match with this endpoint.",
        client.fail("GET", "/slave/heartbeat", null, "41", token, 403, 202).responseMessage());
    client.fail("PUT", "/slave/task/complete", report("x", Map.of()), "abc", token, 403, 202);
  }

  @Test
  void channelIsCheckedBeforeTheToken() {
    client.fail("GET", "/slave/heartbeat", null, "41", "f".repeat(64), 403, 202);
    client.fail("PUT", "/slave/task/complete", "not even an object", null, null, 400, 201);
    client.fail("PUT", "/slave/task/complete", "not even an object", CHANNEL, null, 400, 501);
  }

  @Test
  void slaveTokenMissingOrUnknownIsRefused() {
    assertEquals("Slave token not found.", client.fail("GET", "/slave/heartbeat", null, CHANNEL, null, 400, 501).responseMessage());
    assertEquals("No matching slave token found in this endpoint.",
        client.fail("GET", "/slave/heartbeat", null, CHANNEL, "f".repeat(64), 403, 502).responseMessage());
    client.fail("PUT", "/slave/task/fail", report("x", Map.of()), CHANNEL, token.substring(1), 403, 502);
  }

  @Test
  void completeReportFinishesTheTask() throws Exception {
    Task task = startedTask();
    Envelope answer = client.send("PUT", "/slave/task/complete", report(task.id().value(), Map.of("sum", 3)), CHANNEL, token);
    assertEquals("Result received!", answer.message());
    assertEquals(TaskStatus.COMPLETED, task.join(Duration.ofSeconds(5)).status());
    assertEquals(Map.of("sum", 3), task.result());
  }

  @Test
  void failReportFailsTheTaskWithTheSlavesResult() throws Exception {
    Task task = startedTask();
    client.send("PUT", "/slave/task/fail", report(task.id().value(), Map.of("error", "oom")), CHANNEL, token);
    task.join(Duration.ofSeconds(5));
    assertEquals(TaskStatus.FAILED, task.status());
    assertEquals(Map.of("error", "oom"), task.result());
    assertEquals(TaskFailure.Reason.SLAVE_FAILED, task.failure().reason());
  }

  @Test
  void malformedReportsAreAnsweredTaskDataInvalid() throws Exception {
    assertEquals("task is missing; expected an object",
        client.fail("PUT", "/slave/task/complete", Map.of("result", Map.of()), CHANNEL, token, 400, 601).responseMessage());
    assertEquals("task.id is missing; expected a non-empty string",
        client.fail("PUT", "/slave/task/complete", Map.of("task", Map.of(), "result", Map.of()), CHANNEL, token, 400, 601).responseMessage());
    assertEquals("result is missing; expected an object",
        client.fail("PUT", "/slave/task/complete", Map.of("task", Map.of("id", "x")), CHANNEL, token, 400, 601).responseMessage());
    assertEquals("result must be an object, got \"done\"",
        client.fail("PUT", "/slave/task/fail", Map.of("task", Map.of("id", "x"), "result", "done"), CHANNEL, token, 400, 601).responseMessage());
    RawHttp.Response notJson = RawHttp.send(master.port(), "PUT", "/slave/task/complete", Map.of("Channel", CHANNEL, "Token", token), "{{");
    assertEquals(400, notJson.status());
    assertEquals(601, notJson.envelope().code());
  }

  @Test
  void reportForUnknownTaskNamesTheId() {
    ResponseException e = client.fail("PUT", "/slave/task/complete", report("no-such-task", Map.of()), CHANNEL, token, 400, 601);
    assertEquals("Task no-such-task not found in connection s1.", e.responseMessage());
  }

  @Test
  void repeatedReportIsAcknowledgedAndChangesNothing() throws Exception {
    AtomicInteger callbacks = new AtomicInteger();
    Task task = startedTask().onComplete((data, result) -> callbacks.incrementAndGet()).onFail((data, result) -> callbacks.incrementAndGet());
    client.send("PUT", "/slave/task/complete", report(task.id().value(), Map.of("sum", 1)), CHANNEL, token);
    task.join(Duration.ofSeconds(5));
    assertEquals("Result received!", client.send("PUT", "/slave/task/fail", report(task.id().value(), Map.of("late", true)), CHANNEL, token).message());
    assertEquals("Result received!", client.send("PUT", "/slave/task/complete", report(task.id().value(), Map.of("sum", 2)), CHANNEL, token).message());
    assertEquals(TaskStatus.COMPLETED, task.status());
    assertEquals(Map.of("sum", 1), task.result());
    assertEquals(1, callbacks.get());
  }

  @Test
  void lateReportForACancelledTaskIsAcknowledgedAndChangesNothing() throws Exception {
    AtomicInteger callbacks = new AtomicInteger();
    Task task = startedTask().onComplete((d, r) -> callbacks.incrementAndGet()).onFail((d, r) -> callbacks.incrementAndGet());
    assertTrue(task.cancel());
    task.join(Duration.ofSeconds(5));
    for (String path : List.of("/slave/task/complete", "/slave/task/fail")) {
      RawHttp.Response late = RawHttp.send(master.port(), "PUT", path, Map.of("Channel", CHANNEL, "Token", token),
          "{\"task\": {\"id\": \"" + task.id() + "\"}, \"result\": {\"sum\": 9}}");
      assertEquals(200, late.status());
      assertEquals("Result received!", late.envelope().message());
    }
    assertEquals(TaskStatus.CANCELLED, task.status());
    assertEquals(Map.of("cancelled", true), task.result());
    assertEquals(1, callbacks.get());
  }

  @Test
  void pingAnswersTheSelfTokenOnly() throws Exception {
    assertEquals("PONG!", master.ping());
    assertEquals("Master token not found.", client.fail("GET", "/ping", null, null, null, 400, 401).responseMessage());
    assertEquals("Master token not match with this endpoint.", client.fail("GET", "/ping", null, null, token, 403, 402).responseMessage());
  }

  @Test
  void healthAnswersWithoutAuth() throws Exception {
    assertEquals(Map.of("state", "running", "connections", 1), client.send("GET", "/health", null, null, null).data());
  }

  @Test
  void shutdownRequestStopsTheMasterAndFailsTasksInFlight() throws Exception {
    Task task = startedTask();
    CountDownLatch failed = new CountDownLatch(1);
    task.onFail((data, result) -> failed.countDown());
    client.fail("DELETE", "/shutdown", null, null, "guess", 403, 402);
    assertEquals("Shutdown request received, this server will be down later.",
        client.send("DELETE", "/shutdown", null, null, master.selfToken().value()).message());
    assertTrue(master.join(Duration.ofSeconds(10)));
    assertTrue(failed.await(5, TimeUnit.SECONDS));
    assertEquals(TaskFailure.Reason.SHUTDOWN, task.failure().reason());
    assertEquals(Map.of("error", "shutdown", "connection", "s1"), task.result());
  }

  @Test
  void everyEndpointAnswersShuttingDownDuringShutdown() throws Exception {
    CountDownLatch inCallback = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Task task = startedTask().onFail((data, result) -> {
      inCallback.countDown();
      release.await(10, TimeUnit.SECONDS);
    });
    Thread stopper = new Thread(master::shutdown);
    servers.after(() -> {
      release.countDown(); // whatever failed, the callback and so the shutdown end
      stopper.join(10_000);
    });
    stopper.start();
    // The shutdown waits for the callback, so the master stays SHUTTING_DOWN meanwhile.
    assertTrue(inCallback.await(5, TimeUnit.SECONDS));
    try {
      for (String[] call : List.of(new String[] {"GET", "/slave/heartbeat"}, new String[] {"PUT", "/slave/task/complete"},
          new String[] {"GET", "/ping"}, new String[] {"DELETE", "/shutdown"}, new String[] {"GET", "/health"})) {
        RawHttp.Response response = RawHttp.send(master.port(), call[0], call[1], Map.of("Channel", CHANNEL, "Token", token), "{}");
        if (response.status() == 401) {
          assertEquals(101, response.envelope().code());
          assertEquals("System has already been shutting down.", response.envelope().message());
        } else {
          throw new AssertionError(call[1] + " answered " + response.status() + " " + response.body());
        }
      }
    } catch (java.net.ConnectException serverAlreadyStopped) {
      throw new AssertionError("the server stopped before the callbacks finished", serverAlreadyStopped);
    }
    release.countDown();
    stopper.join(10_000);
    assertEquals(TaskStatus.FAILED, task.status());
  }
}
