package dev.taskwire.master.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.master.Master;
import dev.taskwire.master.SlaveConnection;
import dev.taskwire.master.TaskFailure.Reason;
import dev.taskwire.master.TaskStatus;
import dev.taskwire.master.TestMasters;
import dev.taskwire.slave.Slave;
import dev.taskwire.slave.TaskFail;
import dev.taskwire.slave.TestSlaves;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The scheduler against real slaves on loopback: order, fairness, routing, limits, bounds, cancels, retries, timeouts. */
class SchedulerTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @RegisterExtension final Servers servers = new Servers();
  /** What the slaves ran, in order: each job's {@code n}. */
  private final List<Object> ran = new CopyOnWriteArrayList<>();
  /** Jobs with {@code "hold": true} wait for this. */
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch held = new CountDownLatch(1);
  private Master master;
  private Scheduler scheduler;

  @BeforeEach
  void startMaster() {
    master = servers.start(TestMasters.loopback().queueCapacity(1_000).build().start());
    scheduler = master.scheduler();
  }

  @AfterEach
  void releaseHeld() {
    release.countDown();
  }

  private Map<String, Object> process(Map<String, Object> data) throws Exception {
    if (Boolean.TRUE.equals(data.get("hold"))) {
      held.countDown();
      release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
    ran.add(data.get("n"));
    if (Boolean.TRUE.equals(data.get("fail"))) {
      throw new TaskFail(Map.of("error", "asked to"), "asked to fail");
    }
    return Map.of("n", data.getOrDefault("n", -1));
  }

  private SlaveConnection connect(String name, int slots, String... labels) throws Exception {
    Slave slave = servers.start(TestSlaves.loopback().slots(slots).labels(List.of(labels)).processor(this::process)
        .gracePeriod(Duration.ofMillis(100)).build().start());
    SlaveConnection connection = master.newConnection(name, Servers.LOOPBACK, slave.port());
    connection.connect();
    return connection;
  }

  /** Holds the only slot of a 1-slot slave, so that what is submitted next queues. */
  private Job holdTheSlot() throws Exception {
    Job gate = scheduler.submit(Map.of("hold", true, "n", "gate"));
    assertTrue(held.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "the gate job runs");
    return gate;
  }

  private static JobOptions.Builder options() {
    return JobOptions.builder();
  }

  private static void joinAll(List<Job> jobs) throws Exception {
    for (Job job : jobs) {
      job.join(WAIT);
    }
  }

  @Test
  void higherPriorityRunsFirstWithOneSlot() throws Exception {
    connect("one", 1);
    Job gate = holdTheSlot();
    List<Job> jobs = new ArrayList<>();
    int[] priorities = {0, 5, -1, 5, 9, 0};
    for (int i = 0; i < priorities.length; i++) {
      jobs.add(scheduler.submit(Map.of("n", i), options().priority(priorities[i]).build()));
    }
    release.countDown();
    gate.join(WAIT);
    joinAll(jobs);
    // 9 first, then the 5s and the 0s in submit order, -1 last.
    assertEquals(List.of("gate", 4, 1, 3, 0, 5, 2), ran);
  }

  @Test
  void groupsTakeTurnsAndEachGroupIsFirstInFirstOut() throws Exception {
    connect("one", 1);
    Job gate = holdTheSlot();
    List<Job> jobs = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      jobs.add(scheduler.submit(Map.of("n", "big-" + i), options().group("big").build()));
    }
    for (int i = 0; i < 2; i++) {
      jobs.add(scheduler.submit(Map.of("n", "small-" + i), options().group("small").build()));
    }
    release.countDown();
    gate.join(WAIT);
    joinAll(jobs);
    assertEquals(List.of("gate", "big-0", "small-0", "big-1", "small-1", "big-2", "big-3", "big-4", "big-5"), ran);
  }

  @Test
  void labelsRouteOnlyToMatchingSlavesAndAJobWaitsForOne() throws Exception {
    SlaveConnection plain = connect("plain", 4);
    Job gpuJob = scheduler.submit(Map.of("n", "gpu"), options().labels("gpu").build());
    List<Job> plainJobs = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      plainJobs.add(scheduler.submit(Map.of("n", i)));
    }
    joinAll(plainJobs);
    assertEquals(JobStatus.QUEUED, gpuJob.status(), "no slave has the label");
    assertEquals("waiting for a slave with labels [gpu]", gpuJob.waitingFor());

    SlaveConnection gpu = connect("gpu-1", 2, "gpu", "zone=eu");
    gpuJob.join(WAIT);
    assertEquals(JobStatus.COMPLETED, gpuJob.status());
    assertEquals("gpu-1", gpuJob.attempts().get(0).connection());
    assertEquals(List.of("gpu", "zone=eu"), gpu.labels());

    List<Job> routed = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      routed.add(scheduler.submit(Map.of("n", i), options().labels("zone=eu").build()));
    }
    joinAll(routed);
    for (Job job : routed) {
      assertEquals("gpu-1", job.attempts().get(0).connection(), "only the slave with the label");
    }
    assertTrue(plainJobs.stream().allMatch(job -> job.attempts().get(0).connection().equals(plain.name())));
  }

  @Test
  void masterGivenLabelsRouteToo() throws Exception {
    Slave slave = servers.start(TestSlaves.loopback().processor(this::process).build().start());
    SlaveConnection connection = master.newConnection("tagged", Servers.LOOPBACK, slave.port()).labels(List.of("big-disk"));
    connection.connect();
    Job job = scheduler.submit(Map.of("n", 1), options().labels("big-disk").build()).join(WAIT);
    assertEquals(JobStatus.COMPLETED, job.status());
  }

  @Test
  void aGroupLimitHoldsUnderLoad() throws Exception {
    connect("a", 4);
    connect("b", 4);
    scheduler.limit("capped", 3);
    AtomicInteger most = new AtomicInteger();
    scheduler.addListener(event -> {
      SchedulerSummary summary = scheduler.summary();
      most.accumulateAndGet(summary.runningByGroup().getOrDefault("capped", 0), Math::max);
    });
    List<Job> jobs = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      jobs.add(scheduler.submit(Map.of("n", i, "a", 1, "b", 2), options().group(i % 2 == 0 ? "capped" : "free").build()));
    }
    joinAll(jobs);
    assertTrue(jobs.stream().allMatch(job -> job.status() == JobStatus.COMPLETED));
    assertTrue(most.get() >= 1 && most.get() <= 3, "at most 3 of the group ran at once, saw " + most.get());
  }

  @Test
  void aFullQueueRefusesCleanly() throws Exception {
    List<Map<String, Object>> batch = new ArrayList<>();
    for (int i = 0; i < 999; i++) {
      batch.add(Map.of("n", i));
    }
    scheduler.submitAll(batch, JobOptions.DEFAULTS);
    QueueFullException full = assertThrows(QueueFullException.class,
        () -> scheduler.submitAll(List.of(Map.of("n", 1), Map.of("n", 2)), JobOptions.DEFAULTS));
    assertEquals(1_000, full.capacity());
    assertEquals(999, scheduler.summary().queued(), "nothing of the refused batch was queued");
    scheduler.submit(Map.of("n", "last"));
    assertThrows(QueueFullException.class, () -> scheduler.submit(Map.of("n", "over")));
    assertEquals(1_000, scheduler.summary().queued());
    assertEquals(1_000, scheduler.cancelAll());
    assertEquals(0, scheduler.summary().queued());
  }

  @Test
  void cancelQueuedRunningGroupAndAll() throws Exception {
    connect("one", 1);
    Job running = holdTheSlot();
    Job queued = scheduler.submit(Map.of("n", "q"));
    List<Job> group = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      group.add(scheduler.submit(Map.of("n", i), options().group("g").build()));
    }
    Job other = scheduler.submit(Map.of("n", "other"));
    AtomicInteger failCallbacks = new AtomicInteger();
    queued.onFail((data, result) -> failCallbacks.incrementAndGet());

    assertTrue(queued.cancel());
    assertFalse(queued.cancel(), "once");
    assertEquals(5, scheduler.cancelGroup("g"));
    assertTrue(running.cancel());
    assertEquals(1, scheduler.cancelAll());
    for (Job job : List.of(queued, running, other)) {
      job.join(WAIT);
      assertEquals(JobStatus.CANCELLED, job.status());
      assertEquals(Map.of("cancelled", true), job.result());
    }
    assertEquals(1, failCallbacks.get());
    assertTrue(group.stream().allMatch(job -> job.status() == JobStatus.CANCELLED));
    assertEquals(List.of(), ran.stream().filter(n -> !"gate".equals(n)).toList(), "no cancelled job ran");
    Await.until(WAIT, "the running job's attempt ended", () -> running.attempts().get(0).outcome() == TaskStatus.CANCELLED);
  }

  @Test
  void completeByHandCancelsTheRunningAttempt() throws Exception {
    connect("one", 1);
    Job job = holdTheSlot();
    List<Map<String, Object>> seen = new CopyOnWriteArrayList<>();
    job.onComplete((data, result) -> seen.add(result));
    assertTrue(job.complete(Map.of("by", "hand")));
    job.join(WAIT);
    assertEquals(JobStatus.COMPLETED, job.status());
    assertEquals(List.of(Map.of("by", "hand")), seen);
    assertFalse(job.complete(Map.of("again", true)));
    Await.until(WAIT, "the attempt was cancelled", () -> job.attempts().get(0).outcome() == TaskStatus.CANCELLED);
  }

  @Test
  void aSlaveFailureIsRetriedOnlyWhenAskedWithBackoff() throws Exception {
    connect("a", 2);
    connect("b", 2);
    Job notRetried = scheduler.submit(Map.of("n", "x", "fail", true)).join(WAIT);
    assertEquals(JobStatus.FAILED, notRetried.status());
    assertEquals(Reason.SLAVE_FAILED, notRetried.failure().reason());
    assertEquals(1, notRetried.attempts().size());

    Job retried = scheduler.submit(Map.of("n", "y", "fail", true), options().retryOn(Reason.SLAVE_FAILED).maxAttempts(3)
        .backoff(new Backoff(Duration.ofMillis(20), 2.0, Duration.ofMillis(50))).build()).join(WAIT);
    assertEquals(JobStatus.FAILED, retried.status());
    assertEquals(Reason.RETRIES_EXHAUSTED, retried.failure().reason());
    List<Attempt> attempts = retried.attempts();
    assertEquals(3, attempts.size());
    assertTrue(attempts.stream().allMatch(a -> a.failure().reason() == Reason.SLAVE_FAILED));
    assertTrue(!attempts.get(1).dispatchedAt().isBefore(attempts.get(0).finishedAt().plusMillis(20)), "waited the backoff");
    assertTrue(!attempts.get(0).connection().equals(attempts.get(1).connection()), "a retry runs elsewhere");
    assertEquals(Map.of("error", "asked to"), retried.result());
  }

  @Test
  void queueTimeoutAndDeadlineEndJobsWithTheirOwnReasons() throws Exception {
    Job queued = scheduler.submit(Map.of("n", 1), options().queueTimeout(Duration.ofMillis(50)).build()).join(WAIT);
    assertEquals(JobStatus.FAILED, queued.status());
    assertEquals(Reason.QUEUE_TIMEOUT, queued.failure().reason());

    connect("one", 1);
    Job held = scheduler.submit(Map.of("hold", true, "n", 2), options().deadline(Duration.ofMillis(200)).build()).join(WAIT);
    assertEquals(Reason.DEADLINE, held.failure().reason());
    Await.until(WAIT, "the attempt was cancelled", () -> held.attempts().get(0).outcome() == TaskStatus.CANCELLED);

    Job timedOut = scheduler.submit(Map.of("hold", true, "n", 3), options().timeout(Duration.ofMillis(100)).build()).join(WAIT);
    assertEquals(Reason.TIMEOUT, timedOut.failure().reason());
    assertEquals(1, timedOut.attempts().size(), "a timeout is not retried unless asked");
  }

  @Test
  void eventsComeInOrderPerJobAndEmptyOnceAtTheEnd() throws Exception {
    List<SchedulerEvent> seen = new CopyOnWriteArrayList<>();
    scheduler.addListener(seen::add);
    scheduler.addListener(event -> {
      throw new IllegalStateException("a broken listener does not stop the others");
    });
    List<Job> jobs = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      jobs.add(scheduler.submit(Map.of("n", i, "fail", i % 10 == 0)));
    }
    connect("a", 3);
    connect("b", 3);
    joinAll(jobs);
    Await.until(WAIT, "the EMPTY event", () -> seen.stream().anyMatch(e -> e.type() == SchedulerEvent.Type.EMPTY));
    Map<String, List<SchedulerEvent.Type>> byJob = new ConcurrentHashMap<>();
    for (SchedulerEvent event : seen) {
      if (event.job() != null) {
        byJob.computeIfAbsent(event.job(), id -> new ArrayList<>()).add(event.type());
      }
    }
    for (Job job : jobs) {
      SchedulerEvent.Type last = job.status() == JobStatus.COMPLETED ? SchedulerEvent.Type.COMPLETED : SchedulerEvent.Type.FAILED;
      assertEquals(List.of(SchedulerEvent.Type.SUBMITTED, SchedulerEvent.Type.DISPATCHED, last), byJob.get(job.id()));
    }
    assertEquals(1, seen.stream().filter(e -> e.type() == SchedulerEvent.Type.EMPTY).count());
    assertEquals(SchedulerEvent.Type.EMPTY, seen.get(seen.size() - 1).type());
    assertEquals(2, seen.stream().filter(e -> e.type() == SchedulerEvent.Type.CONNECTION_LIVE).count());
  }

  @Test
  void shutdownEndsQueuedAndRunningJobs() throws Exception {
    connect("one", 1);
    Job running = holdTheSlot();
    Job queued = scheduler.submit(Map.of("n", 1));
    master.shutdown();
    for (Job job : List.of(running, queued)) {
      job.join(WAIT);
      assertEquals(JobStatus.FAILED, job.status());
      assertEquals(Reason.SHUTDOWN, job.failure().reason());
    }
    assertThrows(IllegalStateException.class, () -> scheduler.submit(Map.of("n", 2)));
  }

  @Test
  void lookupsKeepTheNewestFinalJobs() throws Exception {
    connect("a", 2);
    Job job = scheduler.submit(Map.of("n", 7)).join(WAIT);
    assertEquals(job, scheduler.job(job.id()).orElseThrow());
    assertEquals(List.of(job), scheduler.jobs(JobStatus.COMPLETED, "default", 10));
    assertEquals(List.of(), scheduler.jobs(JobStatus.QUEUED, null, 10));
    assertNull(job.waitingFor());
    Attempt attempt = job.attempts().get(0);
    assertEquals("a", attempt.connection());
    assertEquals(TaskStatus.COMPLETED, attempt.outcome());
    assertEquals(Map.of("n", 7), job.result());
  }
}
