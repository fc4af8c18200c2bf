package dev.taskwire.master.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.master.TaskFailure;
import dev.taskwire.master.TaskFailure.Reason;
import dev.taskwire.master.TaskStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What every {@link JobStore} does, one change per call, as JobRunr's {@code StorageProviderTest}
 * checks every storage provider: a store's test extends this and says how to make one.
 */
abstract class JobStoreContract {
  private static final TaskFailure LOST = new TaskFailure(Reason.LOST, "connection c ended");

  /** A new, empty store that keeps the last {@code history} final jobs. */
  abstract JobStore newStore(int history);

  /**
   * The same store as a restarted master finds it: a durable one closed and opened again on its
   * directory; one in memory is itself (nothing to read back).
   */
  JobStore reopen(JobStore store, int history) {
    return store;
  }

  /** Whether {@link JobStore#close} leaves the jobs as they are, for the next start (a durable store). */
  boolean keepsJobsAtClose() {
    return false;
  }

  private JobStore store = newStore(3);

  private JobRecord add(String id, JobOptions options, JobRecord... upstreams) {
    JobRecord job = new JobRecord(id, Map.of("id", id), options, store.nextSeq());
    store.add(job, List.of(upstreams), new Changes());
    return job;
  }

  private JobRecord add(String id) {
    return add(id, JobOptions.DEFAULTS);
  }

  /** Dispatches every queued job it can to connection "c"; returns the ids taken, in order. */
  private List<String> dispatch(int budget) {
    return store.dispatch(budget, job -> "c", group -> true, (job, where) ->
        new Attempt(job.attemptCount() + 1, where, job.id + "-" + (job.attemptCount() + 1), Instant.now(), null, null, null))
        .stream().map(job -> job.id).toList();
  }

  private static Attempt ended(JobRecord job, TaskStatus status, TaskFailure why) {
    return job.lastAttempt().ended(status, why);
  }

  @Test
  void aJobAddedIsQueuedAndADispatchStartsItsFirstAttempt() {
    JobRecord job = add("a");

    assertSame(job, store.get("a"));
    assertEquals(JobStatus.QUEUED, job.status);
    assertEquals(1, store.queued());
    assertEquals(List.of("a"), dispatch(10));
    assertEquals(JobStatus.RUNNING, job.status);
    assertEquals("c", job.lastAttempt().connection());
    assertTrue(job.isCurrent("a-1"));
    assertEquals(0, store.queued());
    assertEquals(1, store.unfinishedCount());
  }

  @Test
  void anAttemptThatEndsTheJobRecordsItsOutcomeAndCounts() {
    JobRecord job = add("a");
    dispatch(1);
    Changes changes = new Changes();

    store.attemptEnded(job, ended(job, TaskStatus.COMPLETED, null), 7, Ending.completed(Map.of("sum", 3), null), changes);

    assertEquals(JobStatus.COMPLETED, job.status);
    assertEquals(Map.of("sum", 3), job.result);
    assertEquals(TaskStatus.COMPLETED, job.lastAttempt().outcome());
    assertEquals(1, changes.ended().size());
    assertTrue(changes.ended().get(0).wasRunning());
    assertEquals(0, store.unfinishedCount());
    assertEquals(new SchedulerSummary.Totals(1, 1, 0, 0, 0), store.counts().totals());
  }

  @Test
  void aRetryAtOnceGoesToTheHeadAndAfterABackoffWaitsOutsideTheQueue() {
    JobRecord now = add("now");
    JobRecord later = add("later");
    add("queued");
    dispatch(2);

    store.attemptEnded(now, ended(now, TaskStatus.FAILED, LOST), 1, new Retry(Reason.LOST, Duration.ZERO), new Changes());
    store.attemptEnded(later, ended(later, TaskStatus.FAILED, LOST), 1, new Retry(Reason.TIMEOUT, Duration.ofSeconds(1)),
        new Changes());

    assertEquals(1, later.lastSlot, "the retry avoids where it ran");
    assertTrue(later.backingOff);
    assertEquals(3, store.waiting(), "a backoff counts against the queue's bound");
    assertEquals(1, store.counts().waitingForRetry());
    assertEquals(List.of("now", "queued"), dispatch(10), "a retry goes before the jobs that waited behind it");
    assertTrue(store.backoffOver(later));
    assertFalse(store.backoffOver(later));
    assertEquals(List.of("later"), dispatch(10));
    assertEquals(2, store.counts().totals().retries());
    assertEquals(2, later.attemptCount());
  }

  @Test
  void theEndOfAnEarlierAttemptIsRecordedAndDecidesNothing() {
    JobRecord job = add("a");
    dispatch(1);
    Attempt first = ended(job, TaskStatus.FAILED, LOST);
    store.attemptEnded(job, first, 1, new Retry(Reason.LOST, Duration.ZERO), new Changes());
    dispatch(1);

    store.attemptEnded(job, job.attempt(1).ended(TaskStatus.COMPLETED, null), 0, null, new Changes());

    assertEquals(JobStatus.RUNNING, job.status);
    assertEquals(TaskStatus.COMPLETED, job.attempt(1).outcome());
    assertTrue(job.isCurrent("a-2"));
    assertFalse(job.isCurrent("a-1"));
  }

  @Test
  void anAttemptTheSlaveDidNotTakeIsForgottenAndTheJobGoesBackToTheHead() {
    JobRecord job = add("a");
    add("b");
    dispatch(1);

    store.notTaken(job);

    assertEquals(0, job.attemptCount());
    assertEquals(JobStatus.QUEUED, job.status);
    assertEquals(List.of("a", "b"), dispatch(10));
  }

  @Test
  void aJobAfterAnotherWaitsThenIsQueuedWithItsResultNested() {
    JobRecord up = add("up", JobOptions.builder().name("first").build());
    JobRecord down = add("down", JobOptions.builder().afterIds(List.of("up")).build(), up);
    assertEquals(JobStatus.WAITING, down.status);
    assertEquals(2, store.waiting(), "WAITING jobs count against the queue's bound");
    dispatch(10);
    Changes changes = new Changes();

    store.end(up, Ending.completed(Map.of("x", 1), null), changes);

    assertEquals(JobStatus.QUEUED, down.status);
    assertEquals(List.of(down), changes.queued());
    assertEquals(Map.of("id", "down", "upstream", Map.of("first", Map.of("x", 1))), down.sentData);
    assertEquals(List.of("down"), up.downstreamIds);
  }

  @Test
  void aFailedJobFailsItsDownstreamsInOneCall() {
    JobRecord up = add("up");
    JobRecord middle = add("middle", JobOptions.builder().afterIds(List.of("up")).build(), up);
    JobRecord last = add("last", JobOptions.builder().afterIds(List.of("middle")).build(), middle);
    Changes changes = new Changes();

    int ended = store.end(up, Ending.failed(Map.of("error", "x"), LOST), changes);

    assertEquals(3, ended);
    assertEquals(List.of("up", "middle", "last"), changes.ended().stream().map(one -> one.job().id).toList());
    assertEquals(Reason.UPSTREAM_FAILED, last.failure.reason());
    assertEquals(Map.of("error", "upstream-failed", "upstream", "middle"), last.result);
    assertEquals(0, store.waiting());
  }

  @Test
  void cancellingACombinedJobCancelsTheUpstreamsNoOtherJobNeeds() {
    JobRecord alone = add("alone");
    JobRecord shared = add("shared");
    add("other", JobOptions.builder().afterIds(List.of("shared")).build(), shared);
    JobRecord combined = new JobRecord("combined", Map.of(), JobOptions.builder().afterIds(List.of("alone", "shared"))
        .passing(Passing.NONE).build(), store.nextSeq(), results -> Map.of(), false);
    store.add(combined, List.of(alone, shared), new Changes());

    store.end(combined, Ending.cancelledByCaller("cancelled by the caller"), new Changes());

    assertEquals(JobStatus.CANCELLED, alone.status);
    assertEquals(JobStatus.QUEUED, shared.status, "another job runs after it");
  }

  @Test
  void closingEndsEveryJobNotFinalEachAlone() {
    JobRecord up = add("up");
    JobRecord down = add("down", JobOptions.builder().afterIds(List.of("up")).build(), up);
    Changes changes = new Changes();

    store.close(Ending.failed(Map.of("error", "shutdown"), new TaskFailure(Reason.SHUTDOWN, "the master shut down")),
        changes);

    assertTrue(store.isClosed());
    if (keepsJobsAtClose()) {
      assertEquals(0, changes.ended().size(), "kept for the next start");
      assertEquals(JobStatus.QUEUED, up.status);
      assertEquals(JobStatus.WAITING, down.status);
      assertEquals(List.of(), dispatch(10));
      return;
    }
    assertEquals(2, changes.ended().size());
    assertEquals(Reason.SHUTDOWN, down.failure.reason(), "not UPSTREAM_FAILED");
    assertEquals(0, store.waiting());
    assertEquals(List.of(), dispatch(10));
  }

  @Test
  void theLastFinalJobsAreKeptAndEveryJobNotFinal() {
    JobRecord running = add("running");
    dispatch(1);
    for (int i = 1; i <= 4; i++) {
      store.end(add("done-" + i), Ending.completed(Map.of(), null), new Changes());
    }

    assertNull(store.get("done-1"), "the oldest final job is forgotten first");
    assertSame(running, store.get("running"));
    assertEquals(List.of("done-4", "done-3", "done-2", "running"), store.newest(10, job -> true).stream()
        .map(job -> job.id).toList());
    assertEquals(List.of("running"), store.unfinished(job -> true).stream().map(job -> job.id).toList());
  }

  @Test
  void everyStateIsReadBackAfterReopening() {
    JobRecord queued = add("queued", JobOptions.builder().priority(2).group("g").labels("gpu").build());
    JobRecord running = add("running");
    dispatch(2); // both run; queued goes back to the queue below
    store.notTaken(queued);
    JobRecord completed = add("completed");
    store.end(completed, Ending.completed(Map.of("r", 1), null), new Changes());
    JobRecord failed = add("failed");
    store.end(failed, Ending.failed(Map.of("error", "x"), LOST), new Changes());
    JobRecord waiting = add("waiting", JobOptions.builder().afterIds(List.of("running")).build(), running);
    long seq = waiting.seq;

    store = reopen(store, 3);

    JobRecord q = store.get("queued");
    assertEquals(JobStatus.QUEUED, q.status);
    assertEquals("g", q.options.group());
    assertEquals(List.of("gpu"), q.options.labels());
    assertEquals(2, q.options.priority());
    assertEquals(0, q.attemptCount(), "the attempt the slave did not take is forgotten");
    JobRecord r = store.get("running");
    assertEquals(JobStatus.RUNNING, r.status);
    assertEquals("running-1", r.lastAttempt().taskId());
    assertTrue(r.lastAttempt().isRunning());
    assertEquals(Map.of("r", 1), store.get("completed").result);
    assertEquals(Reason.LOST, store.get("failed").failure.reason());
    assertEquals(JobStatus.WAITING, store.get("waiting").status);
    assertEquals(1, store.get("waiting").upstreamsLeft);
    assertEquals(1, store.queued());
    assertEquals(2, store.waiting());
    assertTrue(store.nextSeq() > seq, "sequence numbers go on after the last job's");
    assertEquals(List.of("queued"), dispatch(10));
    assertEquals(List.of("waiting", "failed", "completed"), store.newest(3, job -> job.status != JobStatus.RUNNING
        && job.status != JobStatus.QUEUED && job.status != JobStatus.WAITING || job.id.equals("waiting"))
        .stream().map(job -> job.id).toList());
  }
}
