package dev.taskwire.master;

import dev.taskwire.slave.TestSlaves;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.ThreadLeaks;
import dev.taskwire.slave.Slave;
import dev.taskwire.slave.SlaveHooks;
import dev.taskwire.slave.TaskRefused;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import dev.taskwire.common.testing.Servers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;

/**
 * The seams a dispatcher builds on: events for connections becoming live and ending and for every
 * way an attempt ends, free slots, and the public hook for a dropped connection.
 */
class ConnectionEventsTest {
  private final List<String> events = new CopyOnWriteArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);
  @RegisterExtension final Servers servers = new Servers();
  private Master master;
  private Slave slave;

  @AfterEach
  void release() {
    release.countDown(); // before the servers close: a held task lets its slave stop at once
  }

  private void start(MasterHooks hooks, Duration tolerance) {
    master = servers.start(TestMasters.loopback().requestRetries(0)
        .heartbeatTolerance(tolerance).heartbeatCheckSpan(Duration.ofMillis(100)).hooks(hooks).build().start());
    master.addConnectionListener(new ConnectionListener() {
      @Override
      public void connectionLive(SlaveConnection connection) {
        events.add("live " + connection.name());
      }

      @Override
      public void connectionEnded(SlaveConnection connection) {
        events.add("ended " + connection.name());
      }

      @Override
      public void attemptEnded(SlaveConnection connection, Task task) {
        assertTrue(task.status().isFinal(), "an attempt that ended is final");
        events.add("attempt " + task.data().get("name") + " " + task.status() + " on " + connection.name());
      }
    });
    slave = servers.start(TestSlaves.loopback().slots(3).heartbeatSpan(Duration.ofMillis(200))
        .gracePeriod(Duration.ofMillis(100))
        .hooks(new SlaveHooks() {
          @Override
          public void beforeTask(Map<String, Object> data) {
            if (data.containsKey("refuse")) {
              throw new TaskRefused(Map.of());
            }
          }
        })
        .processor(data -> {
          if (data.containsKey("hold")) {
            release.await(30, TimeUnit.SECONDS);
          }
          return Map.of();
        }).build().start());
  }

  @Test
  void everyWayAnAttemptEndsIsToldOnceAndFreesItsSlot() throws Exception {
    start(MasterHooks.DEFAULT, Duration.ofSeconds(17));
    SlaveConnection connection = master.newConnection("s", "127.0.0.1", slave.port());
    connection.connect();
    assertEquals(List.of("live s"), events);
    assertEquals(3, connection.freeSlots());

    connection.newTask(Map.of("name", "done")).start().join(Duration.ofSeconds(10));
    Task timedOut = connection.newTask(Map.of("name", "slow", "hold", true)).timeout(Duration.ofMillis(100)).start();
    timedOut.join(Duration.ofSeconds(10));
    Task cancelled = connection.newTask(Map.of("name", "cancelled", "hold", true)).start();
    cancelled.cancel();
    assertThrows(ResponseException.class, () -> connection.newTask(Map.of("name", "refused", "refuse", true)).start());
    Task held = connection.newTask(Map.of("name", "held", "hold", true)).start();
    assertEquals(2, connection.freeSlots(), "one slot taken by the held task");

    connection.disconnect();
    assertEquals(TaskStatus.FAILED, held.join(Duration.ofSeconds(10)).status());
    assertEquals(List.of("live s", "attempt done COMPLETED on s", "attempt slow FAILED on s",
        "attempt cancelled CANCELLED on s", "attempt refused START_FAILED on s", "attempt held FAILED on s", "ended s"), events);
    assertEquals(0, connection.tasksInFlight());
  }

  @Test
  void aSilentSlaveIsDroppedAndTheLostConnectionHookTold() throws Exception {
    List<String> lost = new CopyOnWriteArrayList<>();
    start(new MasterHooks() {
      @Override
      public void lostConnection(SlaveConnection connection, String why) {
        lost.add(connection.name() + ": " + why);
      }
    }, Duration.ofMillis(500));
    SlaveConnection connection = master.newConnection("quiet", "127.0.0.1", slave.port());
    connection.connect();
    slave.close(); // it stops heartbeating without a word
    Await.until(Duration.ofSeconds(10), "the silent slave dropped", () -> !master.contains("quiet"));
    Await.until(Duration.ofSeconds(5), "the hook told", () -> lost.size() == 1);
    assertTrue(lost.get(0).startsWith("quiet: dropped: no heartbeat for "), lost.get(0));
    assertEquals(List.of("live quiet", "ended quiet"), events);
  }

  @Test
  void aDisconnectIsNotALostConnection() throws Exception {
    List<String> lost = new CopyOnWriteArrayList<>();
    start(new MasterHooks() {
      @Override
      public void lostConnection(SlaveConnection connection, String why) {
        lost.add(why);
      }
    }, Duration.ofSeconds(17));
    SlaveConnection connection = master.newConnection("s", "127.0.0.1", slave.port());
    connection.connect();
    connection.disconnect();
    assertEquals(List.of("live s", "ended s"), events);
    assertEquals(List.of(), lost);
  }

  @Test
  void noMasterThreadIsLeftAfterClose() throws Exception {
    start(MasterHooks.DEFAULT, Duration.ofSeconds(17));
    SlaveConnection connection = master.newConnection("s", "127.0.0.1", slave.port());
    connection.connect();
    connection.newTask(Map.of("name", "done")).timeout(Duration.ofSeconds(30)).start().join(Duration.ofSeconds(10));
    Task held = connection.newTask(Map.of("name", "held", "hold", true)).start();
    held.cancel(); // a cancel request on the background pool
    slave.close();
    master.close();
    ThreadLeaks.assertNoneLeft("taskwire-master");
  }
}
