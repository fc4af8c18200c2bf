package dev.taskwire.master;

import dev.taskwire.common.testing.Servers;
import dev.taskwire.slave.TestSlaves;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.protocol.SlaveResponseException;
import dev.taskwire.common.testing.Await;
import dev.taskwire.slave.Slave;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A real master and a real Taskwire slave on loopback: the reference's own scenarios. */
class EndToEndTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  @RegisterExtension final Servers servers = new Servers();
  private Master master;
  private Slave slave;

  @BeforeEach
  void start() {
    // The slave is closed first (Servers closes in reverse), so that it can still report the tasks
    // it stops to a live master.
    master = servers.start(TestMasters.loopback().channel(42)
        .heartbeatTolerance(Duration.ofSeconds(5)).heartbeatCheckSpan(Duration.ofMillis(100))
        .requestRetries(1).retryWait(Duration.ofMillis(50)).build().start());
    slave = servers.start(startSlave(Duration.ofMillis(200), 42));
  }

  private static Slave startSlave(Duration heartbeatSpan, long channel) {
    return TestSlaves.loopback().channel(channel).slots(2).heartbeatSpan(heartbeatSpan)
        .requestRetries(1).retryWait(Duration.ofMillis(50)).gracePeriod(Duration.ofSeconds(1)).build().start();
  }

  private SlaveConnection connection(String name) {
    return master.newConnection(name, "127.0.0.1", slave.port());
  }

  @Test
  void tryWithResourcesConnectsAndDisconnects() throws Exception {
    try (SlaveConnection conn = connection("s1")) {
      conn.connect();
      assertTrue(master.contains("s1"));
      assertSame(conn, master.get("s1"));
      assertTrue(slave.isConnected());
    }
    assertFalse(master.contains("s1"));
    assertThrows(NoSuchElementException.class, () -> master.get("s1"));
    assertFalse(slave.isConnected());
  }

  @Test
  void connectAndDisconnectByHand() throws Exception {
    SlaveConnection conn = connection("s1");
    assertFalse(master.contains("s1"), "not registered before connect()");
    conn.connect();
    assertTrue(master.contains("s1"));
    assertEquals(2, conn.slots(), "the slave announced its slots");
    conn.disconnect();
    assertFalse(master.contains("s1"));
    assertEquals("no live connection named s1; live: []",
        assertThrows(NoSuchElementException.class, () -> master.get("s1")).getMessage());
    assertFalse(slave.isConnected());
  }

  @Test
  void removeDisconnectsByName() throws Exception {
    connection("s1").connect();
    assertEquals(java.util.Set.of("s1"), master.names());
    master.remove("s1");
    assertFalse(master.contains("s1"));
    assertFalse(slave.isConnected());
    connection("s1").connect();
    assertTrue(master.contains("s1"), "the name is free again");
  }

  @Test
  void sumTaskCompletes() throws Exception {
    SlaveConnection conn = connection("s1");
    conn.connect();
    Task task = conn.newTask(Map.of("a", 2, "b", 3)).start().join(WAIT);
    assertEquals(TaskStatus.COMPLETED, task.status());
    assertEquals(Map.of("sum", 5), task.result());
    assertEquals(null, task.failure());
    assertTrue(task.finishedAt() != null && !task.finishedAt().isBefore(task.startedAt()));
  }

  @Test
  void callbacksFireInOrderAndOnlyTheRightKind() throws Exception {
    SlaveConnection conn = connection("s1");
    conn.connect();
    List<String> calls = Collections.synchronizedList(new ArrayList<>());
    Task ok = conn.newTask(Map.of("a", 1, "b", 1))
        .onComplete((data, result) -> calls.add("complete-1 " + result))
        .onFail((data, result) -> calls.add("fail-1"))
        .onComplete((data, result) -> {
          calls.add("complete-2 " + data.get("a"));
          throw new IllegalStateException("a broken callback does not stop the next");
        })
        .onComplete((data, result) -> calls.add("complete-3 " + Thread.currentThread().getName()))
        .start().join(WAIT);
    assertEquals(3, calls.size(), calls.toString());
    assertEquals(List.of("complete-1 {sum=2}", "complete-2 1"), calls.subList(0, 2));
    // Callbacks run on one of the master's result threads, never on an HTTP thread.
    assertTrue(calls.get(2).startsWith("complete-3 taskwire-master-result-"), calls.get(2));
    calls.clear();
    ok.onComplete((data, result) -> calls.add("late"));
    assertEquals(List.of("late"), calls, "a callback added after the end runs at once");
    calls.clear();
    conn.newTask(Map.of("fail", true)).onComplete((data, result) -> calls.add("complete"))
        .onFail((data, result) -> calls.add("fail " + result)).start().join(WAIT);
    assertEquals(List.of("fail {error=requested failure}"), calls);
  }

  @Test
  void failingTaskEndsFailedWithTheSlavesResult() throws Exception {
    SlaveConnection conn = connection("s1");
    conn.connect();
    Task task = conn.newTask(Map.of("a", 1)).start().join(WAIT);
    assertEquals(TaskStatus.FAILED, task.status());
    assertEquals(Map.of("error", "'b' is missing"), task.result());
    assertEquals(TaskFailure.Reason.SLAVE_FAILED, task.failure().reason());
  }

  @Test
  void wrongChannelThrowsChannelInvalidAndRegistersNothing() {
    slave.close();
    slave = servers.start(startSlave(Duration.ofMillis(200), 7));
    SlaveConnection conn = connection("s1");
    SlaveResponseException.ChannelInvalid e = assertThrows(SlaveResponseException.ChannelInvalid.class, conn::connect);
    assertEquals(403, e.httpStatus());
    assertEquals(202, e.code());
    assertFalse(master.contains("s1"));
    assertFalse(slave.isConnected());
  }

  @Test
  void slaveThatStopsHeartbeatingIsDroppedAndItsTasksFail() throws Exception {
    master.close();
    master = servers.start(TestMasters.loopback().channel(42)
        .heartbeatTolerance(Duration.ofMillis(500)).heartbeatCheckSpan(Duration.ofMillis(100)).build().start());
    slave.close();
    slave = servers.start(startSlave(Duration.ofMinutes(10), 42));
    SlaveConnection conn = connection("silent");
    conn.connect();
    Task task = conn.newTask(Map.of("a", 1, "b", 1, "sleepMs", 30_000)).start();
    Await.until(WAIT, "silent connection dropped", () -> !master.contains("silent"));
    task.join(WAIT);
    assertEquals(TaskStatus.FAILED, task.status());
    assertEquals(TaskFailure.Reason.LOST, task.failure().reason());
    assertEquals(Map.of("error", "connection-lost", "connection", "silent"), task.result());
  }

  @Test
  void heartbeatingSlaveStaysConnectedPastTheTolerance() throws Exception {
    master.close();
    master = servers.start(TestMasters.loopback().channel(42)
        .heartbeatTolerance(Duration.ofSeconds(1)).heartbeatCheckSpan(Duration.ofMillis(100)).build().start());
    SlaveConnection conn = connection("alive");
    conn.connect();
    // A task that outlasts the tolerance three times over: only heartbeats (every 200 ms) keep it alive.
    Task task = conn.newTask(Map.of("a", 1, "b", 1, "sleepMs", 3_000)).start().join(WAIT);
    assertEquals(TaskStatus.COMPLETED, task.status());
    assertTrue(master.contains("alive"));
  }

  @Test
  void joinWithTimeoutThrowsWhileTheTaskRuns() throws Exception {
    SlaveConnection conn = connection("s1");
    conn.connect();
    Task task = conn.newTask(Map.of("a", 1, "b", 1, "sleepMs", 1_000)).start();
    assertThrows(TimeoutException.class, () -> task.join(Duration.ofMillis(50)));
    assertEquals(TaskStatus.COMPLETED, task.future().get(10, TimeUnit.SECONDS).status());
  }

  @Test
  void disconnectFailsTasksInFlight() throws Exception {
    SlaveConnection conn = connection("s1");
    conn.connect();
    Task task = conn.newTask(Map.of("a", 1, "b", 1, "sleepMs", 30_000)).start();
    conn.disconnect();
    assertEquals(TaskFailure.Reason.LOST, task.join(WAIT).failure().reason());
  }
}
