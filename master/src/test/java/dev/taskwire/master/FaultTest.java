package dev.taskwire.master;

import dev.taskwire.common.testing.Answers;
import dev.taskwire.common.testing.MockRequests;
import dev.taskwire.common.testing.Ports;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.slave.TestSlaves;
import static dev.taskwire.slave.TestSlaves.sleeper;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.protocol.SlaveResponseException;
import dev.taskwire.common.testing.Await;
import dev.taskwire.common.util.SlotWorkers;
import dev.taskwire.common.testing.TcpProxy;
import dev.taskwire.slave.Slave;
import dev.taskwire.slave.TaskProcessor;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Faults a task must survive: timeouts, cancels, master outages, and all of them at scale. */
class FaultTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  @RegisterExtension final Servers servers = new Servers();
  /** Counted down by the task of {@link #sleepingSlave()}: when it starts, when it is interrupted. */
  private final CountDownLatch started = new CountDownLatch(1);
  private final CountDownLatch interrupted = new CountDownLatch(1);
  private Master master;

  private Master.Builder masterBuilder() {
    return TestMasters.loopback()
        .heartbeatTolerance(Duration.ofSeconds(5)).heartbeatCheckSpan(Duration.ofMillis(100))
        .requestRetries(1).retryWait(Duration.ofMillis(50));
  }

  private Slave slave(int slots, TaskProcessor processor) {
    return servers.start(TestSlaves.loopback().slots(slots).heartbeatSpan(Duration.ofMillis(200))
        .requestRetries(2).retryWait(Duration.ofMillis(100)).gracePeriod(Duration.ofMillis(200))
        .processor(processor).build().start());
  }

  /** A slave of one slot whose tasks sleep until interrupted ({@link TestSlaves#sleeper}). */
  private Slave sleepingSlave() {
    return slave(1, sleeper(started, interrupted));
  }

  /** Starts the master (of {@link #masterBuilder()}) and connects it to {@code slave} as "s". */
  private SlaveConnection connectedTo(Slave slave) throws IOException {
    master = servers.start(masterBuilder().build().start());
    SlaveConnection conn = master.newConnection("s", "127.0.0.1", slave.port());
    conn.connect();
    return conn;
  }

  @Test
  void taskPastItsTimeoutFailsAndTheSlaveIsToldToStop() throws Exception {
    Slave slave = sleepingSlave();
    SlaveConnection conn = connectedTo(slave);
    AtomicInteger failCallbacks = new AtomicInteger();
    Task task = conn.newTask(Map.of()).timeout(Duration.ofMillis(300)).onFail((d, r) -> failCallbacks.incrementAndGet()).start();
    task.join(WAIT);
    assertEquals(TaskStatus.FAILED, task.status());
    assertEquals(TaskFailure.Reason.TIMEOUT, task.failure().reason());
    assertEquals(Map.of("error", "timeout", "connection", "s"), task.result());
    assertTrue(interrupted.await(10, TimeUnit.SECONDS), "the slave interrupted the processor");
    Await.until(WAIT, "slot freed", () -> slave.runningTasks() == 0);
    assertEquals(1, failCallbacks.get());
    assertEquals(0, conn.tasksInFlight());
  }

  @Test
  void connectionDefaultTimeoutApplies() throws Exception {
    SlaveConnection conn = connectedTo(sleepingSlave()).taskTimeout(Duration.ofMillis(200));
    assertEquals(TaskFailure.Reason.TIMEOUT, conn.newTask(Map.of()).start().join(WAIT).failure().reason());
  }

  @Test
  void cancelledTaskIsStoppedOnTheSlaveAndItsLateReportIgnored() throws Exception {
    Slave slave = sleepingSlave();
    SlaveConnection conn = connectedTo(slave);
    List<Map<String, Object>> failResults = new ArrayList<>();
    Task task = conn.newTask(Map.of()).onFail((d, r) -> failResults.add(r)).start();
    assertTrue(started.await(10, TimeUnit.SECONDS));
    assertTrue(task.cancel());
    assertFalse(task.cancel(), "a second cancel changes nothing");
    assertEquals(TaskStatus.CANCELLED, task.join(WAIT).status());
    assertEquals(TaskFailure.Reason.CANCELLED, task.failure().reason());
    assertTrue(interrupted.await(10, TimeUnit.SECONDS), "the slave interrupted the processor");
    Await.until(WAIT, "slot freed", () -> slave.runningTasks() == 0);
    // The slave reported the cancelled task as failed; the master acknowledged and ignored it.
    Task next = conn.newTask(Map.of()).timeout(Duration.ofMillis(100)).start().join(WAIT);
    assertEquals(TaskFailure.Reason.TIMEOUT, next.failure().reason());
    assertEquals(List.of(Map.of("cancelled", true)), failResults);
    assertEquals(TaskStatus.CANCELLED, task.status());
  }

  @Test
  void idleTaskCancelledCannotStart() {
    master = servers.start(masterBuilder().build().start());
    Slave slave = slave(1, data -> Map.of());
    SlaveConnection conn = master.newConnection("s", "127.0.0.1", slave.port());
    Task task = conn.newTask(Map.of());
    assertTrue(task.cancel());
    assertEquals(TaskStatus.CANCELLED, task.status());
    assertThrows(IllegalStateException.class, task::start);
  }

  @Test
  void cancelWithAReferenceSlaveOnlyStopsWaiting() throws Exception {
    MockWebServer reference = servers.start(new MockWebServer());
    reference.enqueue(Answers.success("Connect success."));
    reference.enqueue(Answers.success("Task received!"));
    reference.start(InetAddress.getLoopbackAddress(), 0);
    master = servers.start(masterBuilder().build().start());
    SlaveConnection conn = master.newConnection("ref", "127.0.0.1", reference.getPort());
    conn.connect();
    Task task = conn.newTask(Map.of()).start();
    assertTrue(task.cancel());
    assertEquals(TaskStatus.CANCELLED, task.join(WAIT).status());
    assertEquals("/connect", MockRequests.take(reference).getPath());
    assertEquals("/task/new", MockRequests.take(reference).getPath());
    assertEquals(null, reference.takeRequest(300, TimeUnit.MILLISECONDS), "no /task/cancel to a slave that did not announce it");
  }

  @Test
  @Timeout(60)
  void resultsFinishedDuringAMasterOutageArriveOnceItIsBack() throws Exception {
    int masterPort = Ports.free();
    TcpProxy proxy = servers.start(new TcpProxy(masterPort));
    // The slave reaches the master only through the proxy.
    master = servers.start(masterBuilder().port(masterPort).myAddress("http://127.0.0.1:" + proxy.port()).build().start());
    CountDownLatch started = new CountDownLatch(4);
    CountDownLatch release = new CountDownLatch(1);
    Slave slave = slave(4, data -> {
      started.countDown();
      assertTrue(release.await(30, TimeUnit.SECONDS));
      return Map.of("n", data.get("n"));
    });
    SlaveConnection conn = master.newConnection("s", "127.0.0.1", slave.port());
    conn.connect();
    Map<String, AtomicInteger> callbacks = new ConcurrentHashMap<>();
    List<Task> tasks = new ArrayList<>();
    for (int n = 0; n < 4; n++) {
      Task task = conn.newTask(Map.of("n", n));
      task.onComplete((d, r) -> callbacks.computeIfAbsent(task.id().value(), id -> new AtomicInteger()).incrementAndGet())
          .onFail((d, r) -> callbacks.computeIfAbsent(task.id().value(), id -> new AtomicInteger()).incrementAndGet());
      tasks.add(task.start());
    }
    assertTrue(started.await(10, TimeUnit.SECONDS));
    proxy.refuse();
    release.countDown();
    Await.until(WAIT, "tasks done on the slave while the master is unreachable", () -> slave.runningTasks() == 0);
    // The outage itself: the master stays unreachable for 2 s (this sleep is the fault, not a wait).
    Thread.sleep(2_000);
    assertTrue(tasks.stream().noneMatch(t -> t.status().isFinal()),
        () -> "no report got through the outage: " + tasks.stream().map(t -> t.status() + " " + t.failure() + " " + t.result()).toList());
    proxy.accept();
    for (int n = 0; n < 4; n++) {
      Task task = tasks.get(n).join(WAIT);
      assertEquals(TaskStatus.COMPLETED, task.status());
      assertEquals(Map.of("n", n), task.result());
    }
    assertEquals(4, callbacks.size());
    assertTrue(callbacks.values().stream().allMatch(count -> count.get() == 1), callbacks.toString());
    assertTrue(conn.isConnected(), "the outage was shorter than the tolerance");
    assertTrue(slave.isConnected());
  }

  @Test
  @Timeout(120)
  void thousandTasksOfEveryFateAllReachAFinalStateOnce() throws Exception {
    master = servers.start(masterBuilder().build().start());
    TaskProcessor chaos = data -> switch ((String) data.get("fate")) {
      case "throw" -> throw new IllegalStateException("chaos");
      case "sleep" -> {
        Thread.sleep(10_000); // past the timeout: the master times it out and the slave stops it
        yield Map.of();
      }
      default -> Map.of("ok", data.get("i"));
    };
    List<SlaveConnection> connections = new ArrayList<>();
    for (int s = 0; s < 4; s++) {
      SlaveConnection conn = master.newConnection("chaos-" + s, "127.0.0.1", slave(2, chaos).port())
          .taskTimeout(Duration.ofMillis(200));
      conn.connect();
      connections.add(conn);
    }
    int total = 1_000;
    Random random = new Random(42);
    String[] fates = new String[total];
    for (int i = 0; i < total; i++) {
      int roll = random.nextInt(100);
      fates[i] = roll < 10 ? "throw" : roll < 15 ? "sleep" : roll < 25 ? "cancel" : "ok";
    }
    Map<String, AtomicInteger> callbackCounts = new ConcurrentHashMap<>();
    List<Task> tasks = java.util.Collections.synchronizedList(new ArrayList<>());
    List<SlaveConnection> slotOwners = new ArrayList<>(); // one entry per slot: its connection
    for (SlaveConnection conn : connections) {
      for (int slot = 0; slot < conn.slots(); slot++) {
        slotOwners.add(conn);
      }
    }
    SlotWorkers.run("chaos", slotOwners.size(), total, (slot, i) -> {
      Task task = startWhenASlotIsFree(slotOwners.get(slot), Map.of("i", i, "fate", fates[i].equals("cancel") ? "sleep" : fates[i]));
      task.onComplete((d, r) -> callbackCounts.computeIfAbsent(task.id().value(), k -> new AtomicInteger()).incrementAndGet());
      task.onFail((d, r) -> callbackCounts.computeIfAbsent(task.id().value(), k -> new AtomicInteger()).incrementAndGet());
      tasks.add(task);
      if (fates[i].equals("cancel")) {
        task.cancel();
      }
      task.join(WAIT); // a task not final in time fails the run with its TimeoutException
    });
    assertEquals(total, tasks.size());
    long completed = tasks.stream().filter(t -> t.status() == TaskStatus.COMPLETED).count();
    long failed = tasks.stream().filter(t -> t.status() == TaskStatus.FAILED).count();
    long cancelled = tasks.stream().filter(t -> t.status() == TaskStatus.CANCELLED).count();
    assertEquals(total, completed + failed + cancelled, "every task is final: completed, failed or cancelled");
    assertTrue(completed > 0 && failed > 0 && cancelled > 0, completed + "/" + failed + "/" + cancelled);
    assertTrue(tasks.stream().filter(t -> t.status() == TaskStatus.FAILED)
        .allMatch(t -> t.failure().reason() == TaskFailure.Reason.SLAVE_FAILED || t.failure().reason() == TaskFailure.Reason.TIMEOUT));
    assertEquals(total, callbackCounts.size(), () -> "every task ran its callbacks; not: " + tasks.stream()
        .filter(t -> !callbackCounts.containsKey(t.id().value())).map(t -> t + " " + t.failure() + " " + t.result()).toList());
    assertTrue(callbackCounts.values().stream().allMatch(count -> count.get() == 1), "no callback fired twice");
  }

  /**
   * Starts a task, trying again while the slave still refuses it for want of a free slot: after a
   * timeout or cancel, the slot frees only once the stopped processor has returned.
   */
  private static Task startWhenASlotIsFree(SlaveConnection conn, Map<String, Object> data) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      Task task = conn.newTask(data);
      try {
        return task.start();
      } catch (SlaveResponseException.TaskAlreadyExist busy) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("no free slot within " + WAIT, busy);
        }
        LockSupport.parkNanos(1_000_000);
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }
  }
}
