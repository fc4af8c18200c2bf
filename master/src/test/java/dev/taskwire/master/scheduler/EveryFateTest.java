package dev.taskwire.master.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.master.Master;
import dev.taskwire.master.TaskFailure.Reason;
import dev.taskwire.master.TestMasters;
import dev.taskwire.slave.TaskFail;
import dev.taskwire.slave.TestSlaves;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * 10,000 jobs of every fate across 4 slaves: completed, failed by the slave, timed out, cancelled
 * while queued, cancelled while running, and completed after a retry. The counts add up, none is
 * left non-final, no callback runs twice, and EMPTY fires once, at the end.
 */
class EveryFateTest {
  private static final int JOBS = 10_000;

  /** What happens to a job, by its number. */
  enum Fate {
    COMPLETE, FAIL, TIME_OUT, CANCEL_QUEUED, CANCEL_RUNNING, RETRY;

    static Fate of(int i) {
      return switch (i % 50) {
        case 0 -> TIME_OUT;
        case 1 -> CANCEL_RUNNING;
        case 2, 3, 4, 5, 6 -> FAIL;
        case 7, 8, 9, 10, 11 -> CANCEL_QUEUED;
        case 12, 13, 14, 15, 16 -> RETRY;
        default -> COMPLETE;
      };
    }
  }

  @RegisterExtension final Servers servers = new Servers();
  private final Set<String> failedOnce = ConcurrentHashMap.newKeySet();

  private Map<String, Object> process(Map<String, Object> data) throws Exception {
    Fate fate = Fate.valueOf((String) data.get("fate"));
    switch (fate) {
      case FAIL -> throw new TaskFail(Map.of("error", "on purpose"), "on purpose");
      case RETRY -> {
        if (failedOnce.add((String) data.get("key"))) {
          throw new TaskFail(Map.of("error", "first time"), "first time");
        }
      }
      case TIME_OUT, CANCEL_RUNNING -> Thread.sleep(60_000); // until the master asks it to stop
      default -> { }
    }
    return Map.of("i", data.get("i"));
  }

  @Test
  void countsAddUpAndEveryJobEndsOnce() throws Exception {
    Master master = servers.start(TestMasters.loopback().build().start());
    ExecutorService canceller = Executors.newSingleThreadExecutor();
    servers.after(canceller::shutdownNow); // before the master stops
    Scheduler scheduler = master.scheduler();
    List<SchedulerEvent> events = new CopyOnWriteArrayList<>();
    Map<String, Job> byId = new ConcurrentHashMap<>();
    scheduler.addListener(events::add);
    scheduler.addListener(event -> {
      if (event.type() == SchedulerEvent.Type.DISPATCHED
          && Fate.CANCEL_RUNNING.name().equals(byId.get(event.job()).data().get("fate"))) {
        canceller.execute(() -> byId.get(event.job()).cancel());
      }
    });

    Map<String, AtomicInteger> callbacks = new ConcurrentHashMap<>();
    List<Job> jobs = new ArrayList<>();
    JobOptions plain = JobOptions.DEFAULTS;
    JobOptions timeout = JobOptions.builder().timeout(Duration.ofMillis(20)).build();
    JobOptions retry = JobOptions.builder().retryOn(Reason.SLAVE_FAILED).backoff(Backoff.NONE).build();
    for (int i = 0; i < JOBS; i++) {
      Fate fate = Fate.of(i);
      JobOptions options = fate == Fate.TIME_OUT ? timeout : fate == Fate.RETRY ? retry : plain;
      Job job = scheduler.submit(Map.of("i", i, "fate", fate.name(), "key", "job-" + i), options);
      byId.put(job.id(), job);
      job.onComplete((data, result) -> callbacks.computeIfAbsent(job.id(), id -> new AtomicInteger()).incrementAndGet())
          .onFail((data, result) -> callbacks.computeIfAbsent(job.id(), id -> new AtomicInteger()).incrementAndGet());
      jobs.add(job);
    }
    // Queued with no slave yet: these are cancelled before any could run.
    for (int i = 0; i < JOBS; i++) {
      if (Fate.of(i) == Fate.CANCEL_QUEUED) {
        assertTrue(jobs.get(i).cancel());
      }
    }
    for (int i = 0; i < 4; i++) {
      var slave = servers.start(TestSlaves.loopback().slots(4).processor(this::process)
          .gracePeriod(Duration.ofMillis(100)).build().start());
      master.newConnection("slave-" + i, Servers.LOOPBACK, slave.port()).connect();
    }
    for (Job job : jobs) {
      job.join(Duration.ofSeconds(60));
    }

    Map<Fate, Integer> expected = new EnumMap<>(Fate.class);
    for (int i = 0; i < JOBS; i++) {
      expected.merge(Fate.of(i), 1, Integer::sum);
    }
    Map<Fate, Integer> actual = new EnumMap<>(Fate.class);
    for (int i = 0; i < JOBS; i++) {
      Job job = jobs.get(i);
      Fate fate = Fate.of(i);
      assertTrue(job.status().isFinal());
      switch (fate) {
        case COMPLETE -> check(job, JobStatus.COMPLETED, null, 1);
        case RETRY -> check(job, JobStatus.COMPLETED, null, 2);
        case FAIL -> check(job, JobStatus.FAILED, Reason.SLAVE_FAILED, 1);
        case TIME_OUT -> check(job, JobStatus.FAILED, Reason.TIMEOUT, 1);
        case CANCEL_QUEUED -> check(job, JobStatus.CANCELLED, Reason.CANCELLED, 0);
        // Cancelled on its DISPATCHED event: one attempt, or none if that send met a slave still
        // stopping an earlier cancelled task (a busy answer: the attempt is not counted, the job
        // went back to the queue, and the cancel found it there).
        case CANCEL_RUNNING -> check(job, JobStatus.CANCELLED, Reason.CANCELLED, job.attempts().isEmpty() ? 0 : 1);
      }
      if (job.status() == JobStatus.COMPLETED) {
        assertEquals(Map.of("i", i), job.result());
      }
      actual.merge(fate, 1, Integer::sum);
    }
    assertEquals(expected, actual);
    for (Job job : jobs) {
      assertEquals(1, callbacks.get(job.id()).get(), () -> "one callback for " + job);
    }
    SchedulerSummary.Totals totals = scheduler.summary().totals();
    assertEquals(JOBS, totals.submitted());
    assertEquals((long) expected.get(Fate.COMPLETE) + expected.get(Fate.RETRY), totals.completed());
    assertEquals((long) expected.get(Fate.FAIL) + expected.get(Fate.TIME_OUT), totals.failed());
    assertEquals((long) expected.get(Fate.CANCEL_QUEUED) + expected.get(Fate.CANCEL_RUNNING), totals.cancelled());
    assertEquals((long) expected.get(Fate.RETRY), totals.retries());
    assertEquals(0, scheduler.summary().queued());

    Await.until(Duration.ofSeconds(10), "the EMPTY event", () -> events.stream().anyMatch(e -> e.type() == SchedulerEvent.Type.EMPTY));
    Await.until(Duration.ofSeconds(10), "every attempt ended", () -> scheduler.summary().running() == 0);
    // Every path an attempt ends by gave its slot back: the fleet's view is whole again (a busy
    // pause, if one is under way, lasts at most FleetSlots.MAX_PAUSE_NANOS).
    Await.until(Duration.ofSeconds(10), "every slot free again",
        () -> scheduler.summary().freeSlots().equals(Map.of("slave-0", 4, "slave-1", 4, "slave-2", 4, "slave-3", 4)));
    assertEquals(1, events.stream().filter(e -> e.type() == SchedulerEvent.Type.EMPTY).count());
    long finals = events.stream().filter(e -> e.type().isFinal()).count();
    assertEquals(JOBS, finals, "one final event per job");
  }

  private static void check(Job job, JobStatus status, Reason reason, int attempts) {
    assertEquals(status, job.status(), job::toString);
    assertEquals(reason, job.failure() == null ? null : job.failure().reason(), job::toString);
    assertEquals(attempts, job.attempts().size(), () -> job + " " + job.attempts());
  }
}
