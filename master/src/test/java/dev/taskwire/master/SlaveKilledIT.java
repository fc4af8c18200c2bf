package dev.taskwire.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.testing.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A slave JVM killed with 50 tasks in flight: every task fails LOST within the tolerance + 2 s. */
class SlaveKilledIT {
  private static final Path SLAVE_JAR = Path.of("../slave/target/taskwire-slave.jar");
  // Loose enough that a slave JVM starved of CPU (CI shares two cores) is not dropped early.
  private static final Duration TOLERANCE = Duration.ofSeconds(3);

  @TempDir Path dir;
  private Process slave;
  private Master master;

  @AfterEach
  void stop() throws InterruptedException {
    if (slave != null) {
      slave.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    if (master != null) {
      master.close();
    }
  }

  @Test
  @Timeout(120)
  void everyTaskOfAKilledSlaveFailsLostWithinTheTolerance() throws Exception {
    int port;
    try (ServerSocket reserve = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = reserve.getLocalPort();
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    slave = new ProcessBuilder(java, "-jar", SLAVE_JAR.toString(), "--host", "127.0.0.1", "--port", "" + port,
        "--slots", "50", "--heartbeat-span", "200ms")
        .redirectErrorStream(true).redirectOutput(dir.resolve("slave.log").toFile()).start();
    Await.until(Duration.ofSeconds(30), "slave listening", () -> {
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return true;
      } catch (IOException e) {
        return false;
      }
    });
    master = TestMasters.loopback()
        .heartbeatTolerance(TOLERANCE).heartbeatCheckSpan(Duration.ofMillis(100)).build().start();
    SlaveConnection conn = master.newConnection("doomed", "127.0.0.1", port);
    conn.connect();
    List<Task> tasks = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      tasks.add(conn.newTask(Map.of("a", i, "b", 1, "sleepMs", 60_000)).start());
    }
    assertEquals(50, conn.tasksInFlight());

    slave.destroyForcibly();
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
