package dev.taskwire.master.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.Ports;
import dev.taskwire.master.Master;
import dev.taskwire.master.SlaveConnection;
import dev.taskwire.master.TaskFailure.Reason;
import dev.taskwire.master.TaskStatus;
import dev.taskwire.master.TestMasters;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Four slave JVMs, 2,000 jobs, one JVM killed with {@code destroyForcibly} halfway: every job
 * completes with its own correct sum, each callback runs once, and the killed slave's unfinished
 * jobs show a second attempt elsewhere.
 */
class SchedulerSlaveKilledIT {
  private static final Path SLAVE_JAR = Path.of("../slave/target/taskwire-slave.jar");
  private static final Duration TOLERANCE = Duration.ofSeconds(3);
  private static final int JOBS = 2_000;

  @TempDir Path dir;
  private final List<Process> slaves = new ArrayList<>();
  private Master master;

  @AfterEach
  void stop() throws InterruptedException {
    for (Process slave : slaves) {
      slave.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    if (master != null) {
      master.close();
    }
  }

  @Test
  @Timeout(180)
  void everyJobCompletesOnceWhenASlaveIsKilledHalfway() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      int port = Ports.free();
      ports.add(port);
      slaves.add(Ports.start(dir, "slave-" + i, List.of(java, "-jar", SLAVE_JAR.toString(), "--host", "127.0.0.1",
          "--port", "" + port, "--slots", "4", "--heartbeat-span", "200ms")));
    }
    for (int port : ports) {
      Await.until(Duration.ofSeconds(30), "slave on " + port + " listening", () -> Ports.listening(port));
    }
    master = TestMasters.loopback().heartbeatTolerance(TOLERANCE).heartbeatCheckSpan(Duration.ofMillis(100)).build().start();
    for (int i = 0; i < 4; i++) {
      master.newConnection("slave-" + i, "127.0.0.1", ports.get(i)).connect();
    }

    Scheduler scheduler = master.scheduler();
    Map<String, AtomicInteger> callbacks = new ConcurrentHashMap<>();
    AtomicInteger completed = new AtomicInteger();
    List<Job> jobs = new ArrayList<>();
    for (int i = 0; i < JOBS; i++) {
      // 20 ms each, so that the killed slave surely has jobs in flight.
      Job job = scheduler.submit(Map.of("a", i, "b", 1_000_000, "sleepMs", 20));
      job.onComplete((data, result) -> {
        callbacks.computeIfAbsent(job.id(), id -> new AtomicInteger()).incrementAndGet();
        completed.incrementAndGet();
      }).onFail((data, result) -> callbacks.computeIfAbsent(job.id(), id -> new AtomicInteger()).incrementAndGet());
      jobs.add(job);
    }
    Await.until(Duration.ofSeconds(60), "half the jobs completed", () -> completed.get() >= JOBS / 2);
    // The busiest live slave: one that a starved CI machine's heartbeat check dropped early has none.
    String victimName = master.liveConnections().stream()
        .max(Comparator.comparingInt(SlaveConnection::tasksInFlight)).orElseThrow().name();
    Process victim = slaves.get(Integer.parseInt(victimName.substring("slave-".length())));
    victim.destroyForcibly();
    assertTrue(victim.waitFor(10, TimeUnit.SECONDS), "the slave JVM is gone");

    for (Job job : jobs) {
      job.join(Duration.ofSeconds(60));
    }
    int retried = 0;
    for (int i = 0; i < JOBS; i++) {
      Job job = jobs.get(i);
      assertEquals(JobStatus.COMPLETED, job.status(), () -> job + " " + job.attempts());
      assertEquals(1_000_000 + i, ((Number) job.result().get("sum")).intValue(), "its own result");
      assertEquals(1, callbacks.get(job.id()).get(), "one callback");
      List<Attempt> attempts = job.attempts();
      Attempt first = attempts.get(0);
      if (first.outcome() != TaskStatus.COMPLETED) {
        retried++;
        assertEquals(victimName, first.connection(), "only the killed slave's jobs were retried: " + attempts);
        assertTrue(first.failure().reason() == Reason.LOST || first.failure().reason() == Reason.START_FAILED, attempts::toString);
        assertEquals(2, attempts.size(), attempts::toString);
        assertEquals(TaskStatus.COMPLETED, attempts.get(1).outcome());
        assertTrue(!attempts.get(1).connection().equals(victimName));
      } else {
        assertEquals(1, attempts.size());
      }
    }
    assertTrue(retried > 0, "the killed slave had jobs in flight");
    assertEquals(retried, scheduler.summary().totals().retries());
    assertEquals(JOBS, scheduler.summary().totals().completed());
  }
}
