package dev.taskwire.master;

import dev.taskwire.slave.TestSlaves;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.taskwire.common.protocol.Extensions;
import dev.taskwire.common.testing.AnswerDroppingProxy;
import dev.taskwire.slave.Slave;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import dev.taskwire.common.testing.Servers;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;

/**
 * A {@code /task/new} that reached a Taskwire slave but whose answer was lost: an unknown outcome,
 * not a failure. The master resends it ("idempotent task/new"), and the task runs and reports once.
 * (A reference slave is never resent one: {@code MasterToSlaveTest.unreachableSlaveOnNewTaskGoesToTheErrorHook}.)
 */
class LostAnswerTest {
  @RegisterExtension final Servers servers = new Servers();

  @Test
  void aNewTaskWhoseAnswerIsLostIsResentAndTheTaskRunsAndReportsOnce() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    Master master = servers.start(TestMasters.loopback().requestRetries(2)
        .retryWait(Duration.ZERO).build().start());
    Slave slave = servers.start(TestSlaves.loopback().processor(data -> Map.of("runs", runs.incrementAndGet())).build().start());
    AtomicBoolean dropped = new AtomicBoolean();
    AnswerDroppingProxy proxy = servers.start(new AnswerDroppingProxy(slave.port(), line -> line.startsWith("POST /task/new") && dropped.compareAndSet(false, true)));
    SlaveConnection connection = master.newConnection("s", "127.0.0.1", proxy.port());
    connection.connect();
    assertEquals(true, connection.extensions().contains(Extensions.IDEMPOTENT_NEW_TASK));

    AtomicInteger completions = new AtomicInteger();
    Task task = connection.newTask(Map.of("a", 1)).onComplete((data, result) -> completions.incrementAndGet())
        .start().join(Duration.ofSeconds(10));

    assertEquals(TaskStatus.COMPLETED, task.status());
    assertEquals(Map.of("runs", 1), task.result());
    assertEquals(2, proxy.requestLines().stream().filter(line -> line.startsWith("POST /task/new")).count(),
        "sent, its answer lost, sent again");
    // A second task through the same connection: the slave ran the first exactly once.
    Task next = connection.newTask(Map.of("a", 2)).start().join(Duration.ofSeconds(10));
    assertEquals(Map.of("runs", 2), next.result());
    assertEquals(1, completions.get());
  }
}
