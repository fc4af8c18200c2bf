package dev.taskwire.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.master.TaskFailure.Reason;
import dev.taskwire.master.scheduler.Combiner;
import dev.taskwire.master.scheduler.Job;
import dev.taskwire.master.scheduler.JobOptions;
import dev.taskwire.master.scheduler.JobStatus;
import dev.taskwire.master.scheduler.Scheduler;
import dev.taskwire.master.store.EmbeddedStore;
import dev.taskwire.slave.Slave;
import dev.taskwire.slave.TestSlaves;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Combined jobs kept by a registered name ({@link Scheduler#registerCombiner}) on a real store,
 * before and after a restart: a name registered again runs the job, one that never is fails it
 * naming the name; a function given as code is not kept, and a combination already made is.
 */
class CombinedJobRestartTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  /** The sum of the upstreams' {@code "n"}. */
  private static final Combiner TOTAL = results -> Map.of("total",
      results.stream().mapToInt(result -> ((Number) result.get("n")).intValue()).sum());

  @RegisterExtension final Servers servers = new Servers();
  @TempDir Path dir;

  /** A master on the store in {@link #dir}; after a restart, names are waited for {@code adoptionWindow}. */
  private Master start(Duration adoptionWindow) {
    EmbeddedStore store = servers.start(EmbeddedStore.open(dir));
    return servers.start(TestMasters.loopback().store(store).heartbeatTolerance(adoptionWindow).build().start());
  }

  /** Stops {@code master} and its store, as a restart does. */
  private static void stop(Master master) {
    master.close();
    master.store().close();
  }

  @Test
  void aCombinedJobRunsTheFunctionRegisteredUnderItsName() throws Exception {
    Scheduler scheduler = start(Duration.ofSeconds(5)).scheduler();
    scheduler.registerCombiner("total", TOTAL);
    scheduler.registerCombiner("pair", results -> Map.of("a", results.get(0).get("n"), "b", results.get(1).get("n")));
    Job a = scheduler.submit(Map.of("x", 1));
    Job b = scheduler.submit(Map.of("x", 2));
    Job total = scheduler.combine(List.of(a, b), "total", JobOptions.DEFAULTS);
    Job pair = scheduler.combineAsTask(List.of(a, b), "pair", JobOptions.DEFAULTS);
    assertTrue(total.isCombined());
    assertEquals(JobStatus.WAITING, total.status());

    assertTrue(a.complete(Map.of("n", 1)));
    assertTrue(b.complete(Map.of("n", 2)));
    assertEquals(Map.of("total", 3), total.join(WAIT).result());
    Await.until(WAIT, "the combination is queued as a job's data", () -> pair.status() == JobStatus.QUEUED);
    assertEquals(Map.of("a", 1, "b", 2), pair.sentData());
  }

  @Test
  void aNameNotRegisteredIsRefusedAtSubmitAndANameIsRegisteredOnce() throws Exception {
    Scheduler scheduler = start(Duration.ofSeconds(5)).scheduler();
    Job a = scheduler.submit(Map.of("x", 1));
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> scheduler.combine(List.of(a), "totl", JobOptions.DEFAULTS));
    assertEquals("no combiner is registered as \"totl\": register it first (Scheduler.registerCombiner)",
        unknown.getMessage());
    assertThrows(IllegalArgumentException.class, () -> scheduler.combineAsTask(List.of(a), "totl", JobOptions.DEFAULTS));
    assertEquals(1, scheduler.summary().totals().submitted(), "nothing of the refused submits was accepted");

    scheduler.registerCombiner("total", TOTAL);
    IllegalStateException twice = assertThrows(IllegalStateException.class,
        () -> scheduler.registerCombiner("total", TOTAL));
    assertEquals("a combiner is registered as \"total\" already", twice.getMessage());
    assertThrows(IllegalArgumentException.class, () -> scheduler.registerCombiner(" ", TOTAL));
    assertThrows(IllegalArgumentException.class, () -> scheduler.registerCombiner("x".repeat(201), TOTAL));
    assertThrows(NullPointerException.class, () -> scheduler.registerCombiner("none", null));
  }

  @Test
  void aWaitingCombinedJobKeptByNameRunsAfterARestartOnceItsNameIsRegisteredAgain() throws Exception {
    Master firstMaster = start(Duration.ofSeconds(5));
    Scheduler first = firstMaster.scheduler();
    first.registerCombiner("total", TOTAL);
    Job a = first.submit(Map.of("x", 1));
    Job b = first.submit(Map.of("x", 2));
    Job total = first.combine(List.of(a, b), "total", JobOptions.builder().name("sum").build());
    assertTrue(a.complete(Map.of("n", 1)));
    stop(firstMaster);

    Master restarted = start(Duration.ofSeconds(5));
    Scheduler second = restarted.scheduler();
    second.registerCombiner("total", TOTAL); // as the program does at each start
    Job kept = second.job(total.id()).orElseThrow();
    assertEquals(JobStatus.WAITING, kept.status());
    assertTrue(kept.isCombined());
    assertEquals("sum", kept.options().name());
    assertTrue(second.job(b.id()).orElseThrow().complete(Map.of("n", 2)));
    assertEquals(Map.of("total", 3), kept.join(WAIT).result());
  }

  @Test
  void aCombinedJobReadyAtARestartRunsOnceItsNameIsRegisteredAndFailsNamingItIfItNeverIs() throws Exception {
    // Functions that do not return before the master stops: the jobs are ready, their function not run.
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch entered = new CountDownLatch(2);
    Combiner stuck = results -> {
      entered.countDown();
      release.await(60, TimeUnit.SECONDS);
      return Map.of("from", "the master that stopped");
    };
    Master firstMaster = start(Duration.ofSeconds(5));
    Scheduler first = firstMaster.scheduler();
    first.registerCombiner("total", stuck);
    first.registerCombiner("lost", stuck);
    first.registerCombiner("later", TOTAL);
    Job a = first.submit(Map.of("x", 1));
    Job b = first.submit(Map.of("x", 2));
    Job total = first.combine(List.of(a), "total", JobOptions.DEFAULTS);
    Job lost = first.combine(List.of(a), "lost", JobOptions.DEFAULTS);
    Job later = first.combine(List.of(a, b), "later", JobOptions.DEFAULTS);
    assertTrue(a.complete(Map.of("n", 1)));
    assertTrue(entered.await(20, TimeUnit.SECONDS));
    stop(firstMaster); // waits its 5 s for the stuck functions, then leaves them
    release.countDown(); // too late: that master's store is closed

    Scheduler second = start(Duration.ofSeconds(1)).scheduler();
    Job total2 = second.job(total.id()).orElseThrow();
    assertEquals(JobStatus.WAITING, total2.status());
    assertEquals("waiting for its combiner \"total\" to be registered", total2.waitingFor());
    second.registerCombiner("total", TOTAL);
    assertEquals(Map.of("total", 1), total2.join(WAIT).result());

    // "lost" is never registered: it fails once the adoption window of the restart is over.
    Job lost2 = second.job(lost.id()).orElseThrow().join(WAIT);
    assertEquals(JobStatus.FAILED, lost2.status());
    assertEquals(Reason.COMBINE_FAILED, lost2.failure().reason());
    assertEquals("its combiner \"lost\" is not registered (waited 1000 ms after the master's restart)",
        lost2.failure().message());
    // "later" becomes ready after the window without its name registered: it fails at once.
    Job later2 = second.job(later.id()).orElseThrow();
    assertEquals(JobStatus.WAITING, later2.status());
    assertTrue(second.job(b.id()).orElseThrow().complete(Map.of("n", 2)));
    later2.join(WAIT);
    assertEquals(JobStatus.FAILED, later2.status());
    assertEquals(Reason.COMBINE_FAILED, later2.failure().reason());
    assertEquals("its combiner \"later\" is not registered", later2.failure().message());
    assertEquals(Map.of("error", "combine-failed", "message", "its combiner \"later\" is not registered"),
        later2.result());
  }

  @Test
  void aCombinedJobWhoseUpstreamTheHistoryLetGoFailsRatherThanCombineTooFewResults() throws Exception {
    EmbeddedStore store = servers.start(EmbeddedStore.open(dir));
    Master firstMaster = servers.start(TestMasters.loopback().store(store).jobHistory(1).build().start());
    firstMaster.scheduler().registerCombiner("total", TOTAL);
    Job a = firstMaster.scheduler().submit(Map.of("x", 1));
    Job b = firstMaster.scheduler().submit(Map.of("x", 2));
    Job total = firstMaster.scheduler().combine(List.of(a, b), "total", JobOptions.DEFAULTS);
    assertTrue(a.complete(Map.of("n", 1)));
    // Finished after a: with a history of 1, the restart reads back this one, not a.
    assertTrue(firstMaster.scheduler().submit(Map.of("x", 3)).complete(Map.of("n", 3)));
    stop(firstMaster);

    EmbeddedStore reopened = servers.start(EmbeddedStore.open(dir));
    Scheduler second = servers.start(TestMasters.loopback().store(reopened).jobHistory(1).build().start()).scheduler();
    second.registerCombiner("total", TOTAL);
    assertTrue(second.job(b.id()).orElseThrow().complete(Map.of("n", 2)));
    Job failed = second.job(total.id()).orElseThrow().join(WAIT);
    assertEquals(JobStatus.FAILED, failed.status());
    assertEquals(Reason.COMBINE_FAILED, failed.failure().reason());
    assertEquals("1 of its upstreams' results are no longer kept", failed.failure().message());
  }

  @Test
  void aCombinedJobGivenAsCodeFailsAtARestartSayingWhy() throws Exception {
    Master firstMaster = start(Duration.ofSeconds(5));
    Job a = firstMaster.scheduler().submit(Map.of("x", 1));
    Job code = firstMaster.scheduler().combine(List.of(a), TOTAL);
    stop(firstMaster);

    Job read = start(Duration.ofSeconds(5)).scheduler().job(code.id()).orElseThrow().join(WAIT);
    assertEquals(JobStatus.FAILED, read.status());
    assertEquals(Reason.COMBINE_FAILED, read.failure().reason());
    assertEquals("its combine function was code in the master's process, which a restart does not keep (a combiner"
        + " registered by name is kept)", read.failure().message());
  }

  @Test
  void aCombinationAlreadyMadeIsKeptAcrossARestartAndRunsAsAnyJob() throws Exception {
    Master firstMaster = start(Duration.ofSeconds(5));
    Job a = firstMaster.scheduler().submit(Map.of("x", 1));
    Job asTask = firstMaster.scheduler().combineAsTask(List.of(a), results -> Map.of("n", results.get(0).get("n")),
        JobOptions.DEFAULTS);
    assertTrue(a.complete(Map.of("n", 5)));
    Await.until(WAIT, "the combination is queued", () -> asTask.status() == JobStatus.QUEUED);
    stop(firstMaster);

    Master second = start(Duration.ofSeconds(5));
    Job kept = second.scheduler().job(asTask.id()).orElseThrow();
    assertEquals(JobStatus.QUEUED, kept.status(), () -> String.valueOf(kept.failure()));
    assertEquals(Map.of("n", 5), kept.sentData());
    Slave slave = servers.start(TestSlaves.loopback().processor(data -> Map.of("twice", 2 * (Integer) data.get("n")))
        .build().start());
    second.newConnection("s", Servers.LOOPBACK, slave.port()).connect();
    assertEquals(Map.of("twice", 10), kept.join(WAIT).result());
  }
}
