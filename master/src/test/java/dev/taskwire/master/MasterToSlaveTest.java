package dev.taskwire.master;

import static dev.taskwire.common.testing.Answers.failure;
import static dev.taskwire.common.testing.Answers.success;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.SlaveErrorCode;
import dev.taskwire.common.protocol.SlaveResponseException;
import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.Servers;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A MockWebServer plays the slave: exactly what the master sends, and what each hook changes. */
class MasterToSlaveTest {
  @RegisterExtension final Servers servers = new Servers();
  private final MockWebServer slave = servers.start(new MockWebServer());
  private Master master;

  @BeforeEach
  void startSlave() throws IOException {
    slave.start(InetAddress.getLoopbackAddress(), 0);
  }

  private Master start(MasterHooks hooks) {
    master = servers.start(TestMasters.loopback().channel(42)
        .requestRetries(3).retryWait(Duration.ZERO).hooks(hooks).build().start());
    return master;
  }

  private RecordedRequest take() throws InterruptedException {
    RecordedRequest request = slave.takeRequest(5, TimeUnit.SECONDS);
    assertNotNull(request, "the master sent nothing within 5 s");
    return request;
  }

  private static Map<String, Object> body(RecordedRequest request) {
    return Json.parseObject(request.getBody().readUtf8());
  }

  @Test
  void connectSendsChannelTokenAddressExtensionsAndHookData() throws Exception {
    start(new MasterHooks() {
      @Override
      public Map<String, Object> beforeConnect(SlaveConnection connection) {
        return Map.of("role", "trainer");
      }
    });
    slave.enqueue(success("Connect success."));
    SlaveConnection conn = master.newConnection("s1", "127.0.0.1", slave.getPort());
    Object returned = conn.connect();
    RecordedRequest request = take();
    assertEquals("POST", request.getMethod());
    assertEquals("/connect", request.getPath());
    assertEquals("42", request.getHeader("Channel"));
    String token = request.getHeader("Token");
    assertTrue(token.matches("[0-9a-f]{64}"), token);
    assertEquals(Map.of(
            "master", Map.of("address", "http://127.0.0.1:" + master.port(),
                "taskwire", Map.of("version", "1.0", "extensions", List.of("slots", "idempotent reports", "cancel", "health", "idempotent task/new", "progress"),
                    "heartbeatToleranceMs", 17_000)),
            "data", Map.of("role", "trainer")),
        body(request));
    assertEquals(Map.of(), returned, "the default after-connect hook returns the answer's data; null reads as {}");
    assertTrue(conn.isConnected());
    assertEquals(1, conn.slots(), "a reference slave (data: null) has one slot");
    assertEquals(List.of(), conn.extensions());
  }

  @Test
  void connectReadsTheSlavesAnnouncement() throws Exception {
    start(MasterHooks.DEFAULT);
    slave.enqueue(success("Connect success.",
        Map.of("taskwire", Map.of("version", "1.0", "slots", 4, "extensions", List.of("slots", "cancel")))));
    SlaveConnection conn = master.newConnection("s1", "127.0.0.1", slave.getPort());
    conn.connect();
    assertEquals(4, conn.slots());
    assertEquals(List.of("slots", "cancel"), conn.extensions());
  }

  @Test
  void afterConnectHookValueIsReturnedByConnect() throws Exception {
    start(new MasterHooks() {
      @Override
      public Object afterConnect(SlaveConnection connection, Envelope answer) {
        return "connected to " + connection.name() + ": " + answer.message();
      }
    });
    slave.enqueue(success("Connect success."));
    assertEquals("connected to s1: Connect success.", master.newConnection("s1", "127.0.0.1", slave.getPort()).connect());
  }

  @Test
  void failureAnswerIsThrownAndSkipsTheErrorHookAndRegistersNothing() {
    AtomicReference<IOException> errorHook = new AtomicReference<>();
    start(new MasterHooks() {
      @Override
      public Object errorConnect(SlaveConnection connection, IOException error) {
        errorHook.set(error);
        return null;
      }
    });
    slave.enqueue(failure(SlaveErrorCode.CHANNEL_INVALID, "Channel not match with this endpoint."));
    SlaveConnection conn = master.newConnection("s1", "127.0.0.1", slave.getPort());
    SlaveResponseException.ChannelInvalid e = assertThrows(SlaveResponseException.ChannelInvalid.class, conn::connect);
    assertEquals(403, e.httpStatus());
    assertEquals(202, e.code());
    assertEquals(null, errorHook.get());
    assertFalse(master.contains("s1"));
    assertEquals(1, slave.getRequestCount(), "a failure answer is not retried");
  }

  @Test
  void transportErrorsAreRetriedThenTheErrorHookDecides() throws Exception {
    start(new MasterHooks() {
      @Override
      public Object errorConnect(SlaveConnection connection, IOException error) {
        return "unreachable";
      }
    });
    for (int i = 0; i < 4; i++) {
      slave.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AT_START));
    }
    SlaveConnection conn = master.newConnection("s1", "127.0.0.1", slave.getPort());
    assertEquals("unreachable", conn.connect());
    assertEquals(4, slave.getRequestCount(), "1 attempt + 3 retries");
    assertFalse(master.contains("s1"));
    assertEquals(SlaveConnection.State.NEW, conn.state());
  }

  @Test
  void transportErrorRethrownByDefaultHook() {
    start(MasterHooks.DEFAULT);
    for (int i = 0; i < 4; i++) {
      slave.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AT_START));
    }
    assertThrows(IOException.class, () -> master.newConnection("s1", "127.0.0.1", slave.getPort()).connect());
    assertFalse(master.contains("s1"));
  }

  @Test
  void retriedConnectSucceedsWhenTheSlaveAnswersWithinRetries() throws Exception {
    start(MasterHooks.DEFAULT);
    slave.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AT_START));
    slave.enqueue(success("Connect success."));
    master.newConnection("s1", "127.0.0.1", slave.getPort()).connect();
    assertTrue(master.contains("s1"));
    assertEquals(2, slave.getRequestCount());
  }

  @Test
  void beforeConnectHookThatThrowsCancelsWithoutARequest() {
    start(new MasterHooks() {
      @Override
      public Map<String, Object> beforeConnect(SlaveConnection connection) {
        throw new IllegalStateException("not today");
      }
    });
    SlaveConnection conn = master.newConnection("s1", "127.0.0.1", slave.getPort());
    assertEquals("not today", assertThrows(IllegalStateException.class, conn::connect).getMessage());
    assertEquals(0, slave.getRequestCount());
    assertFalse(master.contains("s1"));
  }

  @Test
  void newTaskSendsIdAndTheDataOfTheBeforeHook() throws Exception {
    start(new MasterHooks() {
      @Override
      public Map<String, Object> beforeNewTask(Task task, Map<String, Object> data) {
        return Map.of("wrapped", data);
      }
    });
    slave.enqueue(success("Connect success."));
    slave.enqueue(success("Task received!"));
    SlaveConnection conn = master.newConnection("s1", "127.0.0.1", slave.getPort());
    conn.connect();
    String token = take().getHeader("Token");
    Task task = conn.newTask(Map.of("a", 2, "b", 3)).start();
    RecordedRequest request = take();
    assertEquals("POST", request.getMethod());
    assertEquals("/task/new", request.getPath());
    assertEquals(token, request.getHeader("Token"));
    assertEquals("42", request.getHeader("Channel"));
    assertEquals(Map.of("task", Map.of("id", task.id().value()), "data", Map.of("wrapped", Map.of("a", 2, "b", 3))), body(request));
    assertEquals(TaskStatus.STARTED, task.status());
    assertEquals(Map.of("a", 2, "b", 3), task.data());
    assertEquals(1, conn.tasksInFlight());
  }

  @Test
  void refusedTaskIsStartFailedAndThrown() throws Exception {
    start(MasterHooks.DEFAULT);
    slave.enqueue(success("Connect success."));
    slave.enqueue(failure(SlaveErrorCode.TASK_ALREADY_EXIST, "Already has a task."));
    SlaveConnection conn = master.newConnection("s1", "127.0.0.1", slave.getPort());
    conn.connect();
    Task task = conn.newTask(Map.of());
    assertThrows(SlaveResponseException.TaskAlreadyExist.class, task::start);
    assertEquals(TaskStatus.START_FAILED, task.status());
    assertEquals(TaskFailure.Reason.START_FAILED, task.failure().reason());
    assertSame(task, task.join(Duration.ofSeconds(1)), "a start-failed task is final: join returns");
    assertEquals(0, conn.tasksInFlight());
  }

  @Test
  void unreachableSlaveOnNewTaskGoesToTheErrorHook() throws Exception {
    AtomicReference<Task> failed = new AtomicReference<>();
    start(new MasterHooks() {
      @Override
      public void errorNewTask(Task task, IOException error) {
        failed.set(task);
      }
    });
    slave.enqueue(success("Connect success."));
    for (int i = 0; i < 4; i++) {
      slave.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    }
    SlaveConnection conn = master.newConnection("s1", "127.0.0.1", slave.getPort());
    conn.connect();
    Task task = conn.newTask(Map.of()).start();
    assertSame(task, failed.get());
    assertEquals(TaskStatus.START_FAILED, task.status());
    assertEquals(2, slave.getRequestCount(), "a /task/new that may have arrived is not sent again");
  }

  @Test
  void afterNewTaskHookSeesTheAnswer() throws Exception {
    AtomicReference<String> seen = new AtomicReference<>();
    start(new MasterHooks() {
      @Override
      public void afterNewTask(Task task, Envelope answer) {
        seen.set(task.status() + " " + answer.message());
      }
    });
    slave.enqueue(success("Connect success."));
    slave.enqueue(success("Task received!"));
    SlaveConnection conn = master.newConnection("s1", "127.0.0.1", slave.getPort());
    conn.connect();
    conn.newTask(Map.of()).start();
    assertEquals("STARTED Task received!", seen.get());
  }

  @Test
  void errorDisconnectHookDecidesWhenTheSlaveIsGone() throws Exception {
    start(new MasterHooks() {
      @Override
      public Object errorDisconnect(SlaveConnection connection, IOException error) {
        return "gone";
      }
    });
    slave.enqueue(success("Connect success."));
    for (int i = 0; i < 4; i++) {
      slave.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AFTER_REQUEST));
    }
    SlaveConnection conn = master.newConnection("s1", "127.0.0.1", slave.getPort());
    conn.connect();
    assertEquals("gone", conn.disconnect());
    assertTrue(master.contains("s1"), "an unconfirmed disconnect keeps the connection; remove(name) drops it");
    slave.enqueue(success("Disconnect success."));
    master.remove("s1");
    assertFalse(master.contains("s1"));
  }

  @Test
  void taskDataMayHoldNulls() throws Exception {
    start(MasterHooks.DEFAULT);
    slave.enqueue(success("Connect success."));
    slave.enqueue(success("Task received!"));
    SlaveConnection conn = master.newConnection("s1", "127.0.0.1", slave.getPort());
    conn.connect();
    take();
    Map<String, Object> data = new java.util.HashMap<>();
    data.put("x", null);
    conn.newTask(data).start();
    assertEquals(java.util.Collections.singletonMap("x", null), body(take()).get("data"));
  }

  @Test
  void connectionDroppedWhileTheBeforeHookRunsFailsTheTaskInsteadOfLosingIt() throws Exception {
    java.util.concurrent.CountDownLatch inHook = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    start(new MasterHooks() {
      @Override
      public Map<String, Object> beforeNewTask(Task task, Map<String, Object> data) {
        inHook.countDown();
        try {
          assertTrue(release.await(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
          throw new AssertionError(e);
        }
        return data;
      }
    });
    slave.enqueue(success("Connect success."));
    slave.enqueue(success("Disconnect success."));
    SlaveConnection conn = master.newConnection("s1", "127.0.0.1", slave.getPort());
    conn.connect();
    Task task = conn.newTask(Map.of());
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread starter = new Thread(() -> {
      try {
        task.start();
      } catch (Throwable e) {
        thrown.set(e);
      }
    });
    starter.start();
    assertTrue(inHook.await(10, TimeUnit.SECONDS));
    master.remove("s1");
    release.countDown();
    starter.join(10_000);
    assertFalse(starter.isAlive());
    assertTrue(thrown.get() instanceof IllegalStateException, String.valueOf(thrown.get()));
    assertEquals(TaskStatus.START_FAILED, task.join(Duration.ofSeconds(1)).status());
    assertEquals(0, conn.tasksInFlight());
  }

  @Test
  void shutdownDuringConnectEndsTheConnectionInsteadOfKeepingIt() throws Exception {
    java.util.concurrent.CountDownLatch connectArrived = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch answerConnect = new java.util.concurrent.CountDownLatch(1);
    slave.setDispatcher(new okhttp3.mockwebserver.Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        if ("/connect".equals(request.getPath())) {
          connectArrived.countDown();
          assertTrue(answerConnect.await(10, TimeUnit.SECONDS));
        }
        return success("OK");
      }
    });
    start(MasterHooks.DEFAULT);
    SlaveConnection conn = master.newConnection("s1", "127.0.0.1", slave.getPort());
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread connector = new Thread(() -> {
      try {
        conn.connect();
      } catch (Throwable e) {
        thrown.set(e);
      }
    });
    connector.start();
    assertTrue(connectArrived.await(10, TimeUnit.SECONDS));
    Thread stopper = new Thread(master::shutdown);
    stopper.start();
    Await.until(Duration.ofSeconds(5), "connection ended by the shutdown", () -> conn.state() == SlaveConnection.State.CLOSED);
    answerConnect.countDown();
    connector.join(10_000);
    stopper.join(10_000);
    assertTrue(thrown.get() instanceof IllegalStateException, String.valueOf(thrown.get()));
    assertFalse(master.contains("s1"));
  }

  @Test
  void startTwiceIsAClearError() throws Exception {
    start(MasterHooks.DEFAULT);
    slave.enqueue(success("Connect success."));
    slave.enqueue(success("Task received!"));
    SlaveConnection conn = master.newConnection("s1", "127.0.0.1", slave.getPort());
    conn.connect();
    Task task = conn.newTask(Map.of()).start();
    IllegalStateException e = assertThrows(IllegalStateException.class, task::start);
    assertEquals("task " + task.id() + " already started (status STARTED)", e.getMessage());
  }

  @Test
  void disconnectSendsTheHookDataAndEndsTheConnection() throws Exception {
    start(new MasterHooks() {
      @Override
      public Map<String, Object> beforeDisconnect(SlaveConnection connection) {
        return Map.of("bye", true);
      }

      @Override
      public Object afterDisconnect(SlaveConnection connection, Envelope answer) {
        return answer.message();
      }
    });
    slave.enqueue(success("Connect success."));
    slave.enqueue(success("Disconnect success."));
    SlaveConnection conn = master.newConnection("s1", "127.0.0.1", slave.getPort());
    conn.connect();
    take();
    assertEquals("Disconnect success.", conn.disconnect());
    RecordedRequest request = take();
    assertEquals("DELETE", request.getMethod());
    assertEquals("/disconnect", request.getPath());
    assertEquals(Map.of("data", Map.of("bye", true)), body(request));
    assertFalse(master.contains("s1"));
    assertEquals(SlaveConnection.State.CLOSED, conn.state());
  }

  @Test
  void refusedDisconnectKeepsTheConnection() throws Exception {
    start(MasterHooks.DEFAULT);
    slave.enqueue(success("Connect success."));
    slave.enqueue(failure(SlaveErrorCode.SLAVE_DISCONNECTION_REFUSED, "Disconnection refused!"));
    SlaveConnection conn = master.newConnection("s1", "127.0.0.1", slave.getPort());
    conn.connect();
    assertThrows(SlaveResponseException.SlaveDisconnectionRefused.class, conn::disconnect);
    assertTrue(master.contains("s1"));
  }

  @Test
  void liveNameCannotBeReused() throws Exception {
    start(MasterHooks.DEFAULT);
    slave.enqueue(success("Connect success."));
    master.newConnection("s1", "127.0.0.1", slave.getPort()).connect();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> master.newConnection("s1", "127.0.0.1", slave.getPort()));
    assertEquals("a live connection is already named s1", e.getMessage());
  }
}
