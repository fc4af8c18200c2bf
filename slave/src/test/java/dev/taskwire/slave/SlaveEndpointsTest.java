package dev.taskwire.slave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.common.util.Lifecycle;
import dev.taskwire.common.testing.PeerClient;
import dev.taskwire.common.testing.RawHttp;
import dev.taskwire.common.testing.ThreadLeaks;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A real slave on port 0, driven by raw HTTP: every endpoint and every slave error code. */
class SlaveEndpointsTest {
  private static final String CHANNEL = "42";
  private static final String TOKEN = "master-token-1";
  /** An address nobody answers: these tests never let the slave report or heartbeat. */
  @RegisterExtension final Servers servers = new Servers();
  private static final Map<String, Object> CONNECT =
      Map.of("master", Map.of("address", "http://127.0.0.1:9"), "data", Map.of("who", "test"));

  private final CountDownLatch release = new CountDownLatch(1);
  private Slave slave;
  private PeerClient client;

  /**
   * Small in the body-size tests: a body far over the limit is refused before it is read, and a
   * client still writing megabytes then sees the connection reset instead of the answer.
   */
  private long maxBodyBytes = 16L * 1024 * 1024;

  private void start(SlaveHooks hooks) {
    slave = closedAfter(TestSlaves.loopback().channel(42).heartbeatSpan(Duration.ofMinutes(10)).requestRetries(0)
        .maxBodyBytes(maxBodyBytes)
        .gracePeriod(Duration.ofSeconds(5))
        .processor(data -> {
          release.await(10, TimeUnit.SECONDS);
          return Map.of();
        })
        .hooks(hooks).build().start());
    client = new PeerClient(slave.port(), Side.SLAVE);
  }

  private void start() {
    start(SlaveHooks.NONE);
  }

  /** {@code slave}, closed after the test once its blocked tasks are released. */
  private Slave closedAfter(Slave slave) {
    servers.start(slave);
    servers.after(release::countDown);
    return slave;
  }

  private static Map<String, Object> task(String id) {
    return Map.of("task", Map.of("id", id), "data", Map.of("a", 1, "b", 2));
  }

  @Test
  void connectAnnouncesTaskwireExtensions() throws Exception {
    start();
    Envelope answer = client.send("POST", "/connect", CONNECT, CHANNEL, TOKEN);
    assertEquals("Connect success.", answer.message());
    assertEquals(Map.of("taskwire", Map.of("version", "1.0", "slots", 1, "extensions", List.of("slots", "progress", "cancel", "health", "idempotent task/new"))),
        answer.data());
    assertTrue(slave.isConnected());
  }

  @Test
  void channelMissingWrongOrNotANumberIsRefused() {
    start();
    ResponseException missing = client.fail("POST", "/connect", CONNECT, null, TOKEN, 400, 201);
    assertEquals("Channel not found.", missing.responseMessage());
    ResponseException wrong = client.fail("POST", "/connect", CONNECT, "43", TOKEN, 403, 202);
    assertEquals("Channel not match with this endpoint.", wrong.responseMessage());
    ResponseException notNumber = client.fail("POST", "/connect", CONNECT, "forty-two", TOKEN, 403, 202);
    assertEquals("Channel is not a number: 'forty-two'.", notNumber.responseMessage());
    client.fail("POST", "/task/new", task("t"), "7", TOKEN, 403, 202);
  }

  @Test
  void tokenMissingOrWrongIsRefused() throws Exception {
    start();
    assertEquals("Master token not found.", client.fail("POST", "/connect", CONNECT, CHANNEL, null, 400, 301).responseMessage());
    client.send("POST", "/connect", CONNECT, CHANNEL, TOKEN);
    client.fail("POST", "/task/new", task("t"), CHANNEL, null, 400, 301);
    ResponseException wrong = client.fail("POST", "/task/new", task("t"), CHANNEL, "other", 403, 302);
    assertEquals("Master not match with this endpoint.", wrong.responseMessage());
    client.fail("DELETE", "/disconnect", Map.of("data", Map.of()), CHANNEL, "other", 403, 302);
  }

  @Test
  void checksRunInProtocolOrderChannelBeforeTokenBeforeBody() throws Exception {
    start();
    client.fail("POST", "/connect", "not an object", null, null, 400, 201);
    client.fail("POST", "/connect", "not an object", CHANNEL, null, 400, 301);
    RawHttp.Response badBody = RawHttp.send(slave.port(), "POST", "/connect", Map.of("Channel", CHANNEL, "Token", TOKEN), "{oops");
    assertEquals(400, badBody.status());
    assertEquals(1, badBody.envelope().code());
    assertTrue(badBody.envelope().message().startsWith("body is not valid JSON"), badBody.envelope().message());
  }

  @Test
  void connectWhileConnectedIsRefused() throws Exception {
    start();
    client.send("POST", "/connect", CONNECT, CHANNEL, TOKEN);
    assertEquals("This slave already connected.",
        client.fail("POST", "/connect", CONNECT, CHANNEL, "another-master", 400, 501).responseMessage());
  }

  @Test
  void disconnectWithoutConnectionIsRefusedByTokenCheckAsInReference() {
    start();
    client.fail("DELETE", "/disconnect", Map.of("data", Map.of()), CHANNEL, TOKEN, 403, 302);
  }

  @Test
  void disconnectEndsTheConnectionAndAllowsANewOne() throws Exception {
    start();
    client.send("POST", "/connect", CONNECT, CHANNEL, TOKEN);
    assertEquals("Disconnect success.", client.send("DELETE", "/disconnect", Map.of("data", Map.of()), CHANNEL, TOKEN).message());
    assertTrue(!slave.isConnected());
    client.send("POST", "/connect", CONNECT, CHANNEL, "second-master");
    assertTrue(slave.isConnected());
  }

  @Test
  void eachHookRefusesWithItsOwnData() throws Exception {
    start(new SlaveHooks() {
      @Override
      public void beforeConnection(Map<String, Object> data) {
        if ("refuse".equals(data.get("who"))) {
          throw new ConnectionRefused(Map.of("reason", "not you"));
        }
      }

      @Override
      public void beforeDisconnection(Map<String, Object> data) {
        throw new DisconnectionRefused(Map.of("reason", "busy"));
      }

      @Override
      public void beforeTask(Map<String, Object> data) {
        throw new TaskRefused(Map.of("reason", "no gpu"));
      }
    });
    ResponseException connect = client.fail("POST", "/connect",
        Map.of("master", Map.of("address", "http://127.0.0.1:9"), "data", Map.of("who", "refuse")), CHANNEL, TOKEN, 403, 503);
    assertEquals("Connection refused!", connect.responseMessage());
    assertEquals(Map.of("reason", "not you"), connect.data());
    assertTrue(!slave.isConnected());

    client.send("POST", "/connect", CONNECT, CHANNEL, TOKEN);
    ResponseException disconnect = client.fail("DELETE", "/disconnect", Map.of("data", Map.of()), CHANNEL, TOKEN, 403, 504);
    assertEquals("Disconnection refused!", disconnect.responseMessage());
    assertEquals(Map.of("reason", "busy"), disconnect.data());
    assertTrue(slave.isConnected());

    ResponseException task = client.fail("POST", "/task/new", task("t1"), CHANNEL, TOKEN, 403, 602);
    assertEquals("Task refused!", task.responseMessage());
    assertEquals(Map.of("reason", "no gpu"), task.data());
    assertEquals(0, slave.runningTasks(), "a refused task gives its slot back");
  }

  @Test
  void newTaskWithoutFreeSlotIsRefused() throws Exception {
    start();
    client.send("POST", "/connect", CONNECT, CHANNEL, TOKEN);
    assertEquals("Task received!", client.send("POST", "/task/new", task("t1"), CHANNEL, TOKEN).message());
    assertEquals("Already has a task.", client.fail("POST", "/task/new", task("t2"), CHANNEL, TOKEN, 400, 601).responseMessage());
  }

  @Test
  void newTaskWithMalformedTaskIsAnsweredDataInvalid() throws Exception {
    start();
    client.send("POST", "/connect", CONNECT, CHANNEL, TOKEN);
    assertEquals("task is missing; expected an object",
        client.fail("POST", "/task/new", Map.of("data", Map.of()), CHANNEL, TOKEN, 400, 1).responseMessage());
    assertEquals("task.id must be a non-empty string, got 5",
        client.fail("POST", "/task/new", Map.of("task", Map.of("id", 5)), CHANNEL, TOKEN, 400, 1).responseMessage());
    assertEquals("data must be an object, got [1]",
        client.fail("POST", "/task/new", Map.of("task", Map.of("id", "x"), "data", List.of(1)), CHANNEL, TOKEN, 400, 1).responseMessage());
    assertEquals(0, slave.runningTasks());
  }

  @Test
  void connectWithBadMasterAddressIsAnsweredDataInvalid() {
    start();
    client.fail("POST", "/connect", Map.of("data", Map.of()), CHANNEL, TOKEN, 400, 1);
    assertEquals("master.address is not an http or https URL: ftp://x",
        client.fail("POST", "/connect", Map.of("master", Map.of("address", "ftp://x")), CHANNEL, TOKEN, 400, 1).responseMessage());
    assertTrue(!slave.isConnected());
  }

  @Test
  void pingAnswersTheSelfTokenOnly() throws Exception {
    start();
    assertEquals("PONG!", slave.ping());
    assertEquals("Slave token not found.", client.fail("GET", "/ping", null, null, null, 400, 401).responseMessage());
    assertEquals("Slave token not match with this endpoint.",
        client.fail("GET", "/ping", null, null, "guess", 403, 402).responseMessage());
  }

  @Test
  void referenceStyleRequestsWithoutContentTypeAndGetWithBodyWork() throws Exception {
    start();
    RawHttp.Response connect = RawHttp.send(slave.port(), "POST", "/connect", Map.of("Channel", CHANNEL, "Token", TOKEN),
        "{\"master\": {\"address\": \"http://127.0.0.1:9\"}, \"data\": {}}");
    assertEquals(200, connect.status());
    RawHttp.Response ping = RawHttp.send(slave.port(), "GET", "/ping", Map.of("Token", slave.selfToken().value()), "{}");
    assertEquals(200, ping.status());
    assertEquals("PONG!", ping.envelope().message());
  }

  @Test
  void oversizedBodyIsCheckedAfterTheHeaders() {
    maxBodyBytes = 4096;
    start();
    String big = "x".repeat(8192);
    client.fail("POST", "/connect", Map.of("data", big), null, TOKEN, 400, 201);
    client.fail("POST", "/connect", Map.of("data", big), CHANNEL, null, 400, 301);
  }

  @Test
  void duplicateTaskIdIsRefused() throws Exception {
    slave = closedAfter(TestSlaves.loopback().slots(2).heartbeatSpan(Duration.ofMinutes(10)).requestRetries(0)
        .processor(data -> {
          release.await(10, TimeUnit.SECONDS);
          return Map.of();
        }).build().start());
    client = new PeerClient(slave.port(), Side.SLAVE);
    client.send("POST", "/connect", CONNECT, "0", TOKEN);
    client.send("POST", "/task/new", task("same"), "0", TOKEN);
    assertEquals("Task same already exists.", client.fail("POST", "/task/new", task("same"), "0", TOKEN, 400, 601).responseMessage());
    assertEquals(1, slave.runningTasks(), "the refused duplicate gave its slot back");
  }

  @Test
  void oversizedBodyIsAnswered413() {
    maxBodyBytes = 4096;
    start();
    String big = "x".repeat(8192);
    assertEquals("body larger than 4096 bytes",
        client.fail("POST", "/connect", Map.of("data", big), CHANNEL, TOKEN, 413, 413).responseMessage());
  }

  @Test
  void healthAnswersWithoutAuth() throws Exception {
    start();
    Envelope health = client.send("GET", "/health", null, null, null);
    assertEquals(Map.of("state", "idle", "slots", 1, "running", 0), health.data());
  }

  @Test
  void shutdownRequestWithSelfTokenStopsTheSlave() throws Exception {
    start();
    client.fail("DELETE", "/shutdown", null, null, "guess", 403, 402);
    Envelope answer = client.send("DELETE", "/shutdown", null, null, slave.selfToken().value());
    assertEquals("Shutdown request received, this server will be down later.", answer.message());
    assertTrue(slave.join(Duration.ofSeconds(10)));
  }

  @Test
  @Timeout(30)
  void everyEndpointAnswersShuttingDownDuringShutdown() throws Exception {
    start();
    client.send("POST", "/connect", CONNECT, CHANNEL, TOKEN);
    client.send("POST", "/task/new", task("t1"), CHANNEL, TOKEN);
    Thread stopper = new Thread(slave::shutdown);
    stopper.start();
    Await.until(Duration.ofSeconds(5), "shutdown started", () -> slave.state() == Lifecycle.State.SHUTTING_DOWN);
    String self = slave.selfToken().value();
    assertEquals("System has already been shutting down.",
        client.fail("POST", "/connect", CONNECT, CHANNEL, TOKEN, 401, 101).responseMessage());
    client.fail("POST", "/task/new", task("t2"), CHANNEL, TOKEN, 401, 101);
    client.fail("DELETE", "/disconnect", Map.of(), CHANNEL, TOKEN, 401, 101);
    client.fail("GET", "/ping", null, null, self, 401, 101);
    client.fail("DELETE", "/shutdown", null, null, self, 401, 101);
    client.fail("GET", "/health", null, null, null, 401, 101);
    release.countDown();
    stopper.join(10_000);
    assertFalse(stopper.isAlive());
    assertEquals(Lifecycle.State.STOPPED, slave.state());
  }

  @Test
  void secondShutdownWaitsForTheFirstToFinish() throws Exception {
    start();
    client.send("POST", "/connect", CONNECT, CHANNEL, TOKEN);
    client.send("POST", "/task/new", task("t1"), CHANNEL, TOKEN);
    Thread first = new Thread(slave::shutdown);
    first.start();
    Await.until(Duration.ofSeconds(5), "shutdown started", () -> slave.state() == Lifecycle.State.SHUTTING_DOWN);
    release.countDown();
    slave.shutdown();
    assertEquals(Lifecycle.State.STOPPED, slave.state(), "the second call returned only once the slave stopped");
    first.join(10_000);
    assertFalse(first.isAlive());
  }

  @Test
  void noSlaveThreadIsLeftAfterClose() throws Exception {
    start();
    client.send("POST", "/connect", CONNECT, CHANNEL, TOKEN);
    client.send("POST", "/task/new", task("t1"), CHANNEL, TOKEN);
    release.countDown();
    Await.until(Duration.ofSeconds(5), "task done", () -> slave.runningTasks() == 0);
    slave.close();
    ThreadLeaks.assertNoneLeft("taskwire-slave"); // the report pool too: shutdown drains it
  }

  @Test
  void closeIsSafeTwiceAndPortIsReadableAfterStart() {
    start();
    assertTrue(slave.port() > 0);
    slave.close();
    slave.close();
    assertEquals(Lifecycle.State.STOPPED, slave.state());
  }
}
