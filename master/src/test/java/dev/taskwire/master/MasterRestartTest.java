package dev.taskwire.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.master.admin.AdminApi;
import dev.taskwire.master.admin.AdminErrorCode;
import dev.taskwire.master.admin.AdminResponseException;
import dev.taskwire.master.admin.MasterClient;
import dev.taskwire.master.scheduler.Attempt;
import dev.taskwire.master.scheduler.Job;
import dev.taskwire.master.scheduler.JobOptions;
import dev.taskwire.master.scheduler.JobStatus;
import dev.taskwire.master.scheduler.QueueFullException;
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
 * A master on an embedded store, stopped and started again on the same directory: what it kept
 * comes back, and work a slave still runs is taken up rather than run again.
 */
class MasterRestartTest {
  @RegisterExtension final Servers servers = new Servers();
  @TempDir Path dir;

  private Master start(Duration heartbeatTolerance) {
    EmbeddedStore store = servers.start(EmbeddedStore.open(dir));
    Master master = TestMasters.loopback().store(store).heartbeatTolerance(heartbeatTolerance).build();
    // Closed before its store (Servers closes the latest first).
    return servers.start(master.start());
  }

  /** A master on the store in {@link #dir} whose queue holds {@code capacity} jobs, with the admin API. */
  private Master startWithCapacity(int capacity, Token token) {
    EmbeddedStore store = servers.start(EmbeddedStore.open(dir));
    return servers.start(TestMasters.loopback().store(store).queueCapacity(capacity)
        .extension(new AdminApi(token, 10)).build().start());
  }

  /** Stops {@code master} and its store, as a restart does. */
  private static void stop(Master master) {
    master.close();
    master.store().close();
  }

  @Test
  void queuedWaitingAndFinalJobsAndLimitsComeBackAfterARestart() throws Exception {
    Master first = start(Duration.ofSeconds(5));
    Job a = first.scheduler().submit(Map.of("n", 1));
    Job b = first.scheduler().submit(Map.of("n", 2), JobOptions.builder().group("g").priority(3).build());
    Job c = first.scheduler().submit(Map.of("n", 3), JobOptions.builder().afterIds(List.of(a.id())).build());
    Job done = first.scheduler().submit(Map.of("n", 4));
    assertTrue(done.complete(Map.of("by", "hand")));
    first.scheduler().limit("g", 1);
    stop(first);

    Master second = start(Duration.ofSeconds(5));
    var scheduler = second.scheduler();
    assertEquals(JobStatus.QUEUED, scheduler.job(a.id()).orElseThrow().status());
    Job b2 = scheduler.job(b.id()).orElseThrow();
    assertEquals(JobStatus.QUEUED, b2.status());
    assertEquals("g", b2.options().group());
    assertEquals(3, b2.options().priority());
    assertEquals(JobStatus.WAITING, scheduler.job(c.id()).orElseThrow().status());
    Job done2 = scheduler.job(done.id()).orElseThrow();
    assertEquals(JobStatus.COMPLETED, done2.status());
    assertEquals(Map.of("by", "hand"), done2.result());
    assertEquals(Map.of("g", 1), scheduler.limits());
    assertEquals(4, scheduler.summary().totals().submitted());

    Slave slave = servers.start(TestSlaves.loopback().slots(2).processor(data -> Map.of("twice", data)).build().start());
    second.newConnection("s", Servers.LOOPBACK, slave.port()).connect();
    Job c2 = scheduler.job(c.id()).orElseThrow();
    c2.join(Duration.ofSeconds(20));
    assertEquals(JobStatus.COMPLETED, c2.status());
    assertEquals(JobStatus.COMPLETED, scheduler.job(a.id()).orElseThrow().join(Duration.ofSeconds(20)).status());
    assertEquals(JobStatus.COMPLETED, b2.join(Duration.ofSeconds(20)).status());
  }

  @Test
  void aQueueFullWhenTheMasterStoppedStillHoldsItsBoundAfterARestart() throws Exception {
    Token token = Token.generate();
    Master first = startWithCapacity(3, token);
    List<Job> queued = first.scheduler().submitAll(List.of(Map.of("n", 1), Map.of("n", 2), Map.of("n", 3)),
        JobOptions.DEFAULTS);
    assertThrows(QueueFullException.class, () -> first.scheduler().submit(Map.of("n", 4)));
    stop(first);

    Master second = startWithCapacity(3, token);
    Scheduler scheduler = second.scheduler();
    for (Job job : queued) {
      assertEquals(JobStatus.QUEUED, scheduler.job(job.id()).orElseThrow().status());
    }
    assertEquals(3, scheduler.summary().queued());
    QueueFullException full = assertThrows(QueueFullException.class, () -> scheduler.submit(Map.of("n", 4)));
    assertEquals(3, full.capacity());
    assertEquals(3, full.queued());
    MasterClient client = new MasterClient("http://127.0.0.1:" + second.port(), token);
    AdminResponseException.QueueFull overHttp = assertThrows(AdminResponseException.QueueFull.class,
        () -> client.submitJob(Map.of("n", 4)));
    assertEquals(429, overHttp.httpStatus());
    assertEquals(AdminErrorCode.QUEUE_FULL, overHttp.errorCode());
    assertEquals(1007, overHttp.code());
    assertEquals(3, overHttp.capacity());
    assertEquals(3, overHttp.queued());
    assertEquals(3, scheduler.summary().totals().submitted(), "nothing of the refused submits was accepted");
    // Room again once a job leaves the queue.
    assertTrue(scheduler.cancel(queued.get(0).id()));
    assertEquals(JobStatus.QUEUED, scheduler.submit(Map.of("n", 5)).status());
  }

  @Test
  void anAttemptTheSlaveStillRunsIsTakenUpNotRunAgain() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
    Slave slave = servers.start(TestSlaves.loopback().processor(data -> {
      runs.incrementAndGet();
      started.countDown();
      if (!release.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("never released");
      }
      return Map.of("done", data.get("n"));
    }).build().start());
    Master first = start(Duration.ofSeconds(1));
    first.newConnection("s", Servers.LOOPBACK, slave.port()).connect();
    Job job = first.scheduler().submit(Map.of("n", 7));
    assertTrue(started.await(20, TimeUnit.SECONDS));
    String taskId = first.scheduler().job(job.id()).orElseThrow().attempts().get(0).taskId();
    stop(first);

    // Long enough an adoption window for the slave to let its old master go first.
    Master second = start(Duration.ofSeconds(30));
    Await.until(Duration.ofSeconds(20), "the slave takes the restarted master", () -> {
      try {
        second.newConnection("s", Servers.LOOPBACK, slave.port()).connect();
        return true;
      } catch (Exception notYet) {
        return false;
      }
    });
    Job taken = second.scheduler().job(job.id()).orElseThrow();
    assertEquals(JobStatus.RUNNING, taken.status());
    release.countDown();
    taken.join(Duration.ofSeconds(20));
    assertEquals(JobStatus.COMPLETED, taken.status(), () -> String.valueOf(taken.failure()));
    assertEquals(Map.of("done", 7), taken.result());
    assertEquals(1, runs.get(), "run once, across the restart");
    List<Attempt> attempts = taken.attempts();
    assertEquals(1, attempts.size(), attempts::toString);
    assertEquals(taskId, attempts.get(0).taskId());
  }

  @Test
  void anAttemptNoSlaveClaimsEndsLostAndTheJobRunsElsewhere() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    Slave gone = servers.start(TestSlaves.loopback().processor(TestSlaves.sleeper(started, new CountDownLatch(1)))
        .gracePeriod(Duration.ofMillis(100)).build().start());
    Master first = start(Duration.ofSeconds(1));
    first.newConnection("gone", Servers.LOOPBACK, gone.port()).connect();
    Job job = first.scheduler().submit(Map.of("n", 1));
    assertTrue(started.await(20, TimeUnit.SECONDS));
    stop(first);
    gone.close();

    Master second = start(Duration.ofMillis(500));
    Slave other = servers.start(TestSlaves.loopback().processor(data -> Map.of("ok", true)).build().start());
    second.newConnection("other", Servers.LOOPBACK, other.port()).connect();
    Job retried = second.scheduler().job(job.id()).orElseThrow();
    retried.join(Duration.ofSeconds(20));
    assertEquals(JobStatus.COMPLETED, retried.status());
    List<Attempt> attempts = retried.attempts();
    assertEquals(2, attempts.size(), attempts::toString);
    assertEquals(TaskFailure.Reason.LOST, attempts.get(0).failure().reason());
    assertEquals("other", attempts.get(1).connection());
  }
}
