package dev.taskwire.slave;

import static dev.taskwire.common.testing.Answers.failure;
import static dev.taskwire.common.testing.Answers.success;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.MasterErrorCode;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.Ports;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.common.util.Lifecycle;
import dev.taskwire.common.testing.PeerClient;
import dev.taskwire.slave.processor.ExecProcessor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A MockWebServer plays the master: what the slave sends it, and how the slave copes when it fails. */
class SlaveToMasterTest {
  private static final String TOKEN = "connection-token";
  private static final Map<String, String> OK = Map.of();
  @RegisterExtension final Servers servers = new Servers();

  private final MockWebServer master = servers.start(new MockWebServer());
  private Slave slave;

  private Slave.Builder slaveBuilder() {
    return TestSlaves.loopback().channel(7).heartbeatSpan(Duration.ofMinutes(10))
        .retryWait(Duration.ZERO).requestRetries(0).gracePeriod(Duration.ofSeconds(2));
  }

  /** Answers every request with success, like a healthy master. */
  private void answerEverything() {
    master.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return success("Received!");
      }
    });
  }

  private PeerClient connect(int masterPort, List<String> masterExtensions) throws IOException {
    PeerClient client = new PeerClient(slave.port(), Side.SLAVE);
    Map<String, Object> masterInfo = masterExtensions == null
        ? Map.of("address", "http://127.0.0.1:" + masterPort)
        : Map.of("address", "http://127.0.0.1:" + masterPort, "taskwire", Map.of("version", "1.0", "extensions", masterExtensions));
    client.send("POST", "/connect", Map.of("master", masterInfo, "data", Map.of()), "7", TOKEN);
    return client;
  }

  private static void sendTask(PeerClient client, String id, Map<String, Object> data) throws IOException {
    client.send("POST", "/task/new", Map.of("task", Map.of("id", id), "data", data), "7", TOKEN);
  }

  private RecordedRequest takeReport() throws InterruptedException {
    RecordedRequest request = master.takeRequest(10, TimeUnit.SECONDS);
    assertNotNull(request, "no report within 10 s");
    return request;
  }

  @Test
  void heartbeatsCarryChannelAndTokenAtTheConfiguredSpan() throws Exception {
    answerEverything();
    master.start(InetAddress.getLoopbackAddress(), 0);
    slave = servers.start(slaveBuilder().heartbeatSpan(Duration.ofMillis(200)).build().start());
    connect(master.getPort(), null);
    long first = 0;
    for (int i = 0; i < 3; i++) {
      RecordedRequest beat = takeReport();
      if (i == 0) {
        first = System.nanoTime();
      }
      assertEquals("GET", beat.getMethod());
      assertEquals("/slave/heartbeat", beat.getPath());
      assertEquals("7", beat.getHeader("Channel"));
      assertEquals(TOKEN, beat.getHeader("Token"));
    }
    long gapMillis = (System.nanoTime() - first) / 1_000_000;
    assertTrue(gapMillis >= 300, "two spans of 200 ms passed between beats 1 and 3, took " + gapMillis + " ms");
  }

  @Test
  void completedTaskIsReportedWithItsIdAndResult() throws Exception {
    answerEverything();
    master.start(InetAddress.getLoopbackAddress(), 0);
    slave = servers.start(slaveBuilder().build().start());
    sendTask(connect(master.getPort(), null), "task-1", Map.of("a", 2, "b", 3));
    RecordedRequest report = takeReport();
    assertEquals("PUT", report.getMethod());
    assertEquals("/slave/task/complete", report.getPath());
    assertEquals(TOKEN, report.getHeader("Token"));
    assertEquals("7", report.getHeader("Channel"));
    assertEquals(Map.of("task", Map.of("id", "task-1"), "result", Map.of("sum", 5)), Json.parseObject(report.getBody().readUtf8()));
  }

  @Test
  void taskFailIsReportedWithItsResult() throws Exception {
    answerEverything();
    master.start(InetAddress.getLoopbackAddress(), 0);
    slave = servers.start(slaveBuilder().build().start());
    sendTask(connect(master.getPort(), null), "task-2", Map.of("fail", true));
    RecordedRequest report = takeReport();
    assertEquals("/slave/task/fail", report.getPath());
    assertEquals(Map.of("task", Map.of("id", "task-2"), "result", Map.of("error", "requested failure")),
        Json.parseObject(report.getBody().readUtf8()));
  }

  @Test
  void unexpectedProcessorExceptionIsReportedAsFailure() throws Exception {
    answerEverything();
    master.start(InetAddress.getLoopbackAddress(), 0);
    slave = servers.start(slaveBuilder().processor(data -> {
      throw new IllegalStateException("disk full");
    }).build().start());
    sendTask(connect(master.getPort(), null), "task-3", Map.of());
    RecordedRequest report = takeReport();
    assertEquals("/slave/task/fail", report.getPath());
    assertEquals(Map.of("task", Map.of("id", "task-3"),
            "result", Map.of("error", "java.lang.IllegalStateException", "message", "disk full")),
        Json.parseObject(report.getBody().readUtf8()));
  }

  @Test
  void resultThatIsNotJsonFailsTheTaskInsteadOfLosingIt() throws Exception {
    answerEverything();
    master.start(InetAddress.getLoopbackAddress(), 0);
    slave = servers.start(slaveBuilder().processor(data -> Map.of("when", new Unwritable())).build().start());
    sendTask(connect(master.getPort(), null), "task-odd", Map.of());
    RecordedRequest report = takeReport();
    assertEquals("/slave/task/fail", report.getPath());
    Map<?, ?> result = (Map<?, ?>) Json.parseObject(report.getBody().readUtf8()).get("result");
    assertEquals("java.lang.IllegalArgumentException", result.get("error"));
    assertTrue(String.valueOf(result.get("message")).contains("cannot be written"), result.toString());
  }

  /** A value Jackson cannot write: its only property throws. */
  public record Unwritable() {
    public String getValue() {
      throw new IllegalStateException("cannot be written");
    }
  }

  @Test
  void reportToReferenceMasterIsRetriedWhileTheConnectionIsRefused() throws Exception {
    int port = Ports.free();
    slave = servers.start(slaveBuilder().requestRetries(20).retryWait(Duration.ofMillis(100)).build().start());
    sendTask(connect(port, null), "task-4", Map.of("a", 1, "b", 1));
    // The task is done before the master exists: its first report attempts are refused.
    Await.until(Duration.ofSeconds(5), "task finished", () -> slave.runningTasks() == 0);
    answerEverything();
    master.start(InetAddress.getLoopbackAddress(), port);
    RecordedRequest report = takeReport();
    assertEquals("/slave/task/complete", report.getPath());
    assertEquals(Map.of("task", Map.of("id", "task-4"), "result", Map.of("sum", 2)), Json.parseObject(report.getBody().readUtf8()));
  }

  @Test
  void reportToReferenceMasterIsNotRepeatedAfterADroppedConnection() throws Exception {
    master.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    master.enqueue(success("Result received!"));
    master.start(InetAddress.getLoopbackAddress(), 0);
    slave = servers.start(slaveBuilder().requestRetries(5).build().start());
    sendTask(connect(master.getPort(), null), "task-5", Map.of("a", 1, "b", 1));
    assertEquals("/slave/task/complete", takeReport().getPath());
    // The reference master may have processed the first request; a second would break it.
    assertEquals(null, master.takeRequest(500, TimeUnit.MILLISECONDS));
  }

  @Test
  void reportToTaskwireMasterIsRetriedAfterDroppedConnections() throws Exception {
    master.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    master.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    master.enqueue(success("Result received!"));
    master.start(InetAddress.getLoopbackAddress(), 0);
    slave = servers.start(slaveBuilder().build().start());
    sendTask(connect(master.getPort(), List.of("idempotent reports")), "task-6", Map.of("a", 1, "b", 2));
    for (int attempt = 0; attempt < 3; attempt++) {
      assertEquals("/slave/task/complete", takeReport().getPath());
    }
    assertEquals(null, master.takeRequest(300, TimeUnit.MILLISECONDS), "delivered, so not sent again");
  }

  @Test
  void reportAnsweredBusyByATaskwireMasterIsRetried() throws Exception {
    master.enqueue(failure(429, 429, "too many requests reading a body at once (150); retry later"));
    master.enqueue(failure(408, 408, "body not received within 10000 ms"));
    master.enqueue(success("Result received!"));
    master.start(InetAddress.getLoopbackAddress(), 0);
    slave = servers.start(slaveBuilder().build().start());
    sendTask(connect(master.getPort(), List.of("idempotent reports")), "task-busy", Map.of("a", 1, "b", 2));
    for (int attempt = 0; attempt < 3; attempt++) {
      RecordedRequest report = takeReport();
      assertEquals("/slave/task/complete", report.getPath());
      assertEquals(Map.of("task", Map.of("id", "task-busy"), "result", Map.of("sum", 3)), Json.parseObject(report.getBody().readUtf8()));
    }
    assertEquals(null, master.takeRequest(300, TimeUnit.MILLISECONDS), "delivered, so not sent again");
  }

  @Test
  void reportAnsweredBusyByAReferenceMasterIsNotRetried() throws Exception {
    master.enqueue(failure(429, 429, "busy"));
    master.start(InetAddress.getLoopbackAddress(), 0);
    slave = servers.start(slaveBuilder().build().start());
    sendTask(connect(master.getPort(), null), "task-ref", Map.of("a", 1, "b", 2));
    assertEquals("/slave/task/complete", takeReport().getPath());
    assertEquals(null, master.takeRequest(300, TimeUnit.MILLISECONDS), "a reference master gets no duplicate");
  }

  @Test
  void resultTheMasterRefusesAsTooLargeFailsTheTaskInstead() throws Exception {
    master.enqueue(failure(413, 413, "body larger than 16777216 bytes"));
    master.enqueue(success("Result received!"));
    master.start(InetAddress.getLoopbackAddress(), 0);
    slave = servers.start(slaveBuilder().build().start());
    sendTask(connect(master.getPort(), List.of("idempotent reports")), "task-big", Map.of("a", 1, "b", 2));
    assertEquals("/slave/task/complete", takeReport().getPath());
    RecordedRequest fail = takeReport();
    assertEquals("/slave/task/fail", fail.getPath());
    assertEquals(Map.of("task", Map.of("id", "task-big"), "result", Map.of("error", "result-too-large",
        "message", "the master refused the result: body larger than 16777216 bytes")), Json.parseObject(fail.getBody().readUtf8()));
  }

  @Test
  void heartbeatAnsweredWithFailureLosesTheConnection() throws Exception {
    master.enqueue(failure(403, MasterErrorCode.SLAVE_TOKEN_INVALID.code(), "No matching slave token found in this endpoint."));
    master.start(InetAddress.getLoopbackAddress(), 0);
    CountDownLatch lost = new CountDownLatch(1);
    AtomicReference<String> lostAddress = new AtomicReference<>();
    AtomicReference<Throwable> lostCause = new AtomicReference<>();
    slave = servers.start(slaveBuilder().heartbeatSpan(Duration.ofMillis(200)).hooks(new SlaveHooks() {
      @Override
      public void lostConnection(String masterAddress, Throwable cause) {
        lostAddress.set(masterAddress);
        lostCause.set(cause);
        lost.countDown();
      }
    }).build().start());
    connect(master.getPort(), null);
    assertTrue(lost.await(10, TimeUnit.SECONDS));
    assertEquals("http://127.0.0.1:" + master.getPort(), lostAddress.get());
    assertTrue(lostCause.get().getMessage().contains("code 502"), lostCause.get().getMessage());
    assertFalse(slave.isConnected());
    connect(master.getPort(), null);
    assertTrue(slave.isConnected(), "a new master is accepted after the loss");
  }

  @Test
  void heartbeatThatCannotReachTheMasterLosesTheConnectionAfterRetries() throws Exception {
    int port = Ports.free();
    CountDownLatch lost = new CountDownLatch(1);
    slave = servers.start(slaveBuilder().heartbeatSpan(Duration.ofMillis(200)).requestRetries(2).retryWait(Duration.ofMillis(10))
        .hooks(new SlaveHooks() {
          @Override
          public void lostConnection(String masterAddress, Throwable cause) {
            lost.countDown();
          }
        }).build().start());
    connect(port, null);
    assertTrue(lost.await(10, TimeUnit.SECONDS));
    assertFalse(slave.isConnected());
  }

  @Test
  void taskPastItsTimeoutIsReportedFailedAndItsThreadInterrupted() throws Exception {
    answerEverything();
    master.start(InetAddress.getLoopbackAddress(), 0);
    CountDownLatch interrupted = new CountDownLatch(1);
    slave = servers.start(slaveBuilder().taskTimeout(Duration.ofMillis(300))
        .processor(TestSlaves.sleeper(new CountDownLatch(1), interrupted)).build().start());
    sendTask(connect(master.getPort(), null), "slow", Map.of());
    RecordedRequest report = takeReport();
    assertEquals("/slave/task/fail", report.getPath());
    assertEquals(Map.of("task", Map.of("id", "slow"), "result", Map.of("error", "timeout", "message", "task ran longer than 300 ms")),
        Json.parseObject(report.getBody().readUtf8()));
    assertTrue(interrupted.await(5, TimeUnit.SECONDS));
    Await.until(Duration.ofSeconds(5), "slot freed", () -> slave.runningTasks() == 0);
    assertEquals(null, master.takeRequest(300, TimeUnit.MILLISECONDS), "reported once only");
  }

  @Test
  void execTaskPastItsTimeoutIsKilledAndReportedFailed(@TempDir Path dir) throws Exception {
    answerEverything();
    master.start(InetAddress.getLoopbackAddress(), 0);
    Path pidFile = dir.resolve("pid");
    Path script = dir.resolve("slow.sh");
    Files.writeString(script, "#!/bin/sh\necho $$ > " + pidFile + ".tmp && mv " + pidFile + ".tmp " + pidFile + "\nexec sleep 60\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    slave = servers.start(slaveBuilder().taskTimeout(Duration.ofMillis(500)).processor(new ExecProcessor(List.of(script.toString()))).build().start());
    sendTask(connect(master.getPort(), null), "exec-slow", Map.of());
    RecordedRequest report = takeReport();
    assertEquals("/slave/task/fail", report.getPath());
    assertEquals("timeout", ((Map<?, ?>) Json.parseObject(report.getBody().readUtf8()).get("result")).get("error"));
    long pid = Long.parseLong(Files.readString(pidFile).trim());
    Await.until(Duration.ofSeconds(10), "process " + pid + " killed", () -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
    Await.until(Duration.ofSeconds(5), "slot freed", () -> slave.runningTasks() == 0);
  }

  @Test
  void execTaskCancelledByTheMasterIsKilledAndItsSlotFreed(@TempDir Path dir) throws Exception {
    answerEverything();
    master.start(InetAddress.getLoopbackAddress(), 0);
    Path pidFile = dir.resolve("pid");
    Path script = dir.resolve("slow.sh");
    Files.writeString(script, "#!/bin/sh\nsleep 60 &\necho $! > " + pidFile + ".tmp && mv " + pidFile + ".tmp " + pidFile + "\nwait\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    slave = servers.start(slaveBuilder().processor(new ExecProcessor(List.of(script.toString()))).build().start());
    PeerClient client = connect(master.getPort(), List.of("cancel"));
    sendTask(client, "exec-cancel", Map.of());
    Await.until(Duration.ofSeconds(10), "script started its child", () -> Files.exists(pidFile));
    long child = Long.parseLong(Files.readString(pidFile).trim());
    assertTrue(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false));
    assertEquals("Task cancelled.", client.send("POST", "/task/cancel", Map.of("task", Map.of("id", "exec-cancel")), "7", TOKEN).message());
    RecordedRequest report = takeReport();
    assertEquals("/slave/task/fail", report.getPath());
    assertEquals(Map.of("task", Map.of("id", "exec-cancel"), "result", Map.of("cancelled", true)), Json.parseObject(report.getBody().readUtf8()));
    Await.until(Duration.ofSeconds(10), "child " + child + " killed", () -> ProcessHandle.of(child).map(h -> !h.isAlive()).orElse(true));
    Await.until(Duration.ofSeconds(5), "slot freed", () -> slave.runningTasks() == 0);
    assertEquals("Task not running.", client.send("POST", "/task/cancel", Map.of("task", Map.of("id", "exec-cancel")), "7", TOKEN).message());
  }

  @Test
  void cancelChecksChannelAndTokenLikeEveryMasterRequest() throws Exception {
    answerEverything();
    master.start(InetAddress.getLoopbackAddress(), 0);
    slave = servers.start(slaveBuilder().build().start());
    PeerClient client = connect(master.getPort(), null);
    client.fail("POST", "/task/cancel", Map.of("task", Map.of("id", "x")), null, TOKEN, 400, 201);
    client.fail("POST", "/task/cancel", Map.of("task", Map.of("id", "x")), "7", "wrong", 403, 302);
    client.fail("POST", "/task/cancel", Map.of("task", Map.of()), "7", TOKEN, 400, 1);
  }

  @Test
  void failedHeartbeatsWithinTheMastersToleranceKeepTheConnection() throws Exception {
    int port = Ports.free();
    CountDownLatch lost = new CountDownLatch(1);
    slave = servers.start(slaveBuilder().heartbeatSpan(Duration.ofMillis(200)).hooks(new SlaveHooks() {
      @Override
      public void lostConnection(String masterAddress, Throwable cause) {
        lost.countDown();
      }
    }).build().start());
    PeerClient client = new PeerClient(slave.port(), Side.SLAVE);
    client.send("POST", "/connect", Map.of("master", Map.of("address", "http://127.0.0.1:" + port,
        "taskwire", Map.of("version", "1.0", "extensions", List.of(), "heartbeatToleranceMs", 1_500))), "7", TOKEN);
    // Heartbeats fail from the first one, but the master said it waits 1.5 s before dropping us.
    assertFalse(lost.await(700, TimeUnit.MILLISECONDS), "kept within the tolerance");
    assertTrue(slave.isConnected());
    assertTrue(lost.await(10, TimeUnit.SECONDS), "lost once the tolerance has passed");
    assertFalse(slave.isConnected());
  }

  @Test
  void shutdownReportsTasksStillRunningAfterTheGracePeriod() throws Exception {
    answerEverything();
    master.start(InetAddress.getLoopbackAddress(), 0);
    CountDownLatch started = new CountDownLatch(1);
    slave = servers.start(slaveBuilder().gracePeriod(Duration.ofMillis(200))
        .processor(TestSlaves.sleeper(started, new CountDownLatch(1))).build().start());
    sendTask(connect(master.getPort(), null), "long", Map.of());
    assertTrue(started.await(5, TimeUnit.SECONDS));
    slave.shutdown();
    RecordedRequest report = takeReport();
    assertEquals("/slave/task/fail", report.getPath());
    assertEquals(Map.of("error", "shutdown", "message", "the slave shut down before the task finished"),
        Json.parseObject(report.getBody().readUtf8()).get("result"));
  }

  @Test
  @org.junit.jupiter.api.Timeout(30)
  void shutdownLetsATaskFinishWithinTheGracePeriod() throws Exception {
    answerEverything();
    master.start(InetAddress.getLoopbackAddress(), 0);
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    slave = servers.start(slaveBuilder().gracePeriod(Duration.ofSeconds(10)).processor(data -> {
      started.countDown();
      finish.await(10, TimeUnit.SECONDS);
      return Map.of("done", true);
    }).build().start());
    sendTask(connect(master.getPort(), null), "graceful", Map.of());
    assertTrue(started.await(5, TimeUnit.SECONDS));
    Thread stopper = new Thread(slave::shutdown);
    stopper.start();
    Await.until(Duration.ofSeconds(5), "shutting down", () -> slave.state() == Lifecycle.State.SHUTTING_DOWN);
    finish.countDown();
    RecordedRequest report = takeReport();
    assertEquals("/slave/task/complete", report.getPath());
    assertEquals(Map.of("done", true), Json.parseObject(report.getBody().readUtf8()).get("result"));
    stopper.join(10_000);
    assertFalse(stopper.isAlive());
    assertEquals(Lifecycle.State.STOPPED, slave.state());
  }
}
