package dev.taskwire.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.testing.Servers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A slave JVM killed with 50 tasks in flight: every task fails LOST within the tolerance + 2 s. */
class SlaveKilledIT {
  // Loose enough that a slave JVM starved of CPU (CI shares two cores) is not dropped early.
  private static final Duration TOLERANCE = Duration.ofSeconds(3);

  @RegisterExtension final Servers servers = new Servers();
  @TempDir Path dir;

  @Test
  @Timeout(120)
  void everyTaskOfAKilledSlaveFailsLostWithinTheTolerance() throws Exception {
    SlaveJvms slave = servers.start(SlaveJvms.start(dir, 1, List.of(), "--slots", "50",
        "--heartbeat-span", SlaveJvms.KILLABLE_HEARTBEAT.toMillis() + "ms"));
    Master master = servers.start(SlaveJvms.watchingMaster(TOLERANCE).build().start());
    SlaveConnection conn = slave.connection(master, "doomed", 0);
    conn.connect();
    List<Task> tasks = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      tasks.add(conn.newTask(Map.of("a", i, "b", 1, "sleepMs", 60_000)).start());
    }
    assertEquals(50, conn.tasksInFlight());

    slave.process(0).destroyForcibly();
    long killedAt = System.nanoTime();
    Duration bound = TOLERANCE.plusSeconds(2);
    for (Task task : tasks) {
      long left = bound.toNanos() - (System.nanoTime() - killedAt);
      task.join(Duration.ofNanos(Math.max(left, 1)));
      assertEquals(TaskStatus.FAILED, task.status());
      assertEquals(TaskFailure.Reason.LOST, task.failure().reason());
      assertEquals(Map.of("error", "connection-lost", "connection", "doomed"), task.result());
    }
    assertTrue(tasks.stream().noneMatch(t -> t.status() == TaskStatus.STARTED));
    assertTrue(!master.contains("doomed"));
  }
}
