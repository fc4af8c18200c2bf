package dev.taskwire.master.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.master.Master;
import dev.taskwire.master.MasterHooks;
import dev.taskwire.master.SlaveConnection;
import dev.taskwire.master.Task;
import dev.taskwire.master.TaskFailure.Reason;
import dev.taskwire.master.TaskStatus;
import dev.taskwire.master.TestMasters;
import dev.taskwire.slave.TestSlaves;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The scheduler's edges: slots shared with connection-bound tasks, hooks that throw or stall, absurd options. */
class SchedulerEdgeTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @RegisterExtension final Servers servers = new Servers();
  private final CountDownLatch inHook = new CountDownLatch(1);
  private final CountDownLatch releaseHook = new CountDownLatch(1);

  @AfterEach
  void release() {
    releaseHook.countDown();
  }

  /** Refuses data with "throw", and holds data with "stall" in the hook until released. */
  private final MasterHooks hooks = new MasterHooks() {
    @Override
    public Map<String, Object> beforeNewTask(Task task, Map<String, Object> data) {
      if (data.containsKey("throw")) {
        throw new IllegalStateException("this hook refuses it");
      }
      if (data.containsKey("stall")) {
        inHook.countDown();
        try {
          releaseHook.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return data;
    }
  };

  private Master master() {
    return servers.start(TestMasters.loopback().hooks(hooks).build().start());
  }

  private SlaveConnection connect(Master master, int slots) throws Exception {
    var slave = servers.start(TestSlaves.loopback().slots(slots).gracePeriod(Duration.ofMillis(100)).build().start());
    SlaveConnection connection = master.newConnection("slave-" + slave.port(), Servers.LOOPBACK, slave.port());
    connection.connect();
    return connection;
  }

  @Test
  void aSlotFreedByAConnectionBoundTaskGoesToAQueuedJob() throws Exception {
    Master master = master();
    SlaveConnection connection = connect(master, 1);
    Task direct = connection.newTask(Map.of("a", 1, "b", 1, "sleepMs", 300)).start();
    Job job = master.scheduler().submit(Map.of("a", 2, "b", 2));
    assertEquals(JobStatus.QUEUED, job.status(), "the only slot is taken by the direct task");
    direct.join(WAIT);
    assertEquals(JobStatus.COMPLETED, job.join(WAIT).status());
    assertEquals(Map.of("sum", 4), job.result());
  }

  @Test
  void jobsAndConnectionBoundTasksSharingOneSlaveEachEndOnceAndGiveTheirSlotsBack() throws Exception {
    Master master = master();
    SlaveConnection connection = connect(master, 2);
    Scheduler scheduler = master.scheduler();
    List<Job> jobs = new ArrayList<>();
    AtomicInteger directCompleted = new AtomicInteger();
    AtomicInteger directRefused = new AtomicInteger();
    ExecutorService direct = Executors.newFixedThreadPool(2);
    servers.after(direct::shutdownNow);
    List<Future<?>> senders = new ArrayList<>();
    for (int thread = 0; thread < 2; thread++) {
      senders.add(direct.submit(() -> {
        for (int i = 0; i < 100; i++) {
          try {
            Task task = connection.newTask(Map.of("a", i, "b", 1)).start().join(WAIT);
            assertEquals(Map.of("sum", i + 1), task.result());
            directCompleted.incrementAndGet();
          } catch (ResponseException busy) {
            directRefused.incrementAndGet(); // the scheduler had taken the slot: the caller's lot, as without it
          }
        }
        return null;
      }));
    }
    for (int i = 0; i < 300; i++) {
      jobs.add(scheduler.submit(Map.of("a", i, "b", 2)));
    }
    for (Future<?> sender : senders) {
      sender.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
    for (int i = 0; i < jobs.size(); i++) {
      Job job = jobs.get(i).join(WAIT);
      assertEquals(JobStatus.COMPLETED, job.status(), job::toString);
      assertEquals(Map.of("sum", i + 2), job.result());
      assertEquals(1, job.attempts().size(), () -> "a busy answer is not an attempt: " + job.attempts());
    }
    assertEquals(200, directCompleted.get() + directRefused.get());
    Await.until(WAIT, "both slots free again", () -> scheduler.summary().freeSlots().equals(Map.of(connection.name(), 2)));
    assertEquals(0, connection.tasksInFlight());
  }

  @Test
  void aHookThatThrowsCountsAttemptsInsteadOfLooping() throws Exception {
    Master master = master();
    connect(master, 2);
    Job job = master.scheduler().submit(Map.of("throw", true), JobOptions.builder().maxAttempts(2).build()).join(WAIT);
    assertEquals(JobStatus.FAILED, job.status());
    assertEquals(Reason.RETRIES_EXHAUSTED, job.failure().reason());
    assertEquals(2, job.attempts().size());
    assertTrue(job.attempts().stream().allMatch(a -> a.outcome() == TaskStatus.START_FAILED));
  }

  @Test
  void aJobCancelledWhileItsTaskIsBeingSentLeavesNothingRunning() throws Exception {
    Master master = master();
    connect(master, 2);
    Scheduler scheduler = master.scheduler();
    scheduler.limit("g", 1);
    Job stalled = scheduler.submit(Map.of("stall", true, "a", 1, "b", 1), JobOptions.builder().group("g").build());
    assertTrue(inHook.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    assertTrue(stalled.cancel());
    releaseHook.countDown();
    Await.until(WAIT, "the attempt ended", () -> scheduler.summary().running() == 0);
    assertEquals(Map.of(), scheduler.summary().runningByGroup());
    // The group's one running place is free again.
    Job next = scheduler.submit(Map.of("a", 2, "b", 3), JobOptions.builder().group("g").build()).join(WAIT);
    assertEquals(JobStatus.COMPLETED, next.status());
  }

  @Test
  void absurdOptionsAreRefusedWhenMade() {
    assertThrows(IllegalArgumentException.class, () -> JobOptions.builder().deadline(ChronoUnit.FOREVER.getDuration()).build());
    assertThrows(IllegalArgumentException.class, () -> JobOptions.builder().timeout(Duration.ofDays(366)).build());
    assertThrows(IllegalArgumentException.class, () -> JobOptions.builder().maxAttempts(0).build());
    assertThrows(IllegalArgumentException.class, () -> JobOptions.builder().retryOn(Reason.LOST).build());
    assertThrows(IllegalArgumentException.class, () -> JobOptions.builder().labels("no spaces").build());
    assertThrows(IllegalArgumentException.class, () -> JobOptions.builder().group("").build());
    assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(2), 0.5, Duration.ofSeconds(3)));
    assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(2), Double.NaN, Duration.ofSeconds(3)));
    assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(2), 2, Duration.ofSeconds(1)));
    assertEquals(Duration.ofSeconds(4), new Backoff(Duration.ofSeconds(1), 2, Duration.ofSeconds(5)).delay(3));
    assertEquals(Duration.ofSeconds(5), new Backoff(Duration.ofSeconds(1), 2, Duration.ofSeconds(5)).delay(300));
  }
}
