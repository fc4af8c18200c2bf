package dev.taskwire.master.scheduler;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Where the scheduler keeps its jobs' state, as Quartz keeps it in a {@code JobStore} and JobRunr
 * in a {@code StorageProvider}: every job's {@link JobRecord} (status, attempts, outcome), the queue
 * of those waiting for a slot, the dependency edges, and the counts. {@link InMemoryJobStore} is
 * the one there is; a durable one implements the same calls.
 *
 * <p>Every change of a job's state is one call here, which a database writes as one transaction:
 * a submit with its edges, a dispatch with its attempts, an attempt's end with what it decides,
 * a job's end with what it spreads to. What a call changed beyond itself comes back in a {@link
 * Changes} for the scheduler to act on (events, timers, callbacks); nothing outside the store
 * holds job state. Calls are made under the scheduler's lock, one at a time, and never call out
 * but to what they are handed (a placer, a starter).
 */
interface JobStore {
  /** Counts for the summary. */
  record Counts(int queued, int waitingForRetry, int waitingForUpstreams, Map<Integer, Map<String, Integer>> queuedByPriority,
      SchedulerSummary.Totals totals) {}

  /** Makes the attempt a job taken from the queue starts with on {@code where} (its task made, not yet sent). */
  interface Starter<C> {
    Attempt start(JobRecord job, C where);
  }

  // Reads.

  /** The number the next job is submitted with (its order in the queue). */
  long nextSeq();

  /** The job {@code id} while it is kept (every job not final, and the last final ones); null if not. */
  JobRecord get(String id);

  /** Up to {@code limit} kept jobs that {@code filter} accepts, newest first. */
  List<JobRecord> newest(int limit, Predicate<JobRecord> filter);

  /** The jobs not final that {@code filter} accepts, oldest first: the order to end many in. */
  List<JobRecord> unfinished(Predicate<JobRecord> filter);

  /** How many final jobs are kept. */
  int historyCapacity();

  /** Jobs the queue's bound counts: queued, waiting for a backoff, waiting for their upstreams. */
  int waiting();

  /** Jobs in the queue, ready for a slot. */
  int queued();

  /** Jobs not final. */
  int unfinishedCount();

  Counts counts();

  /** Whether {@link #close} was called: no job is accepted, none retried. */
  boolean isClosed();

  // Changes: one call, one transaction.

  /**
   * Accepts {@code job}, to run after {@code upstreams} (each known, not failed or cancelled): it
   * is queued, or WAITING for those not completed. One whose upstreams all completed already is
   * queued with their results, or, combined, reported {@link Changes#ready ready}.
   */
  void add(JobRecord job, List<JobRecord> upstreams, Changes changes);

  /**
   * Takes queued jobs by the fairness rule while {@code budget} allows, {@code placer} finds each a
   * connection and {@code canRun} lets its group run one more; each becomes RUNNING with the
   * attempt {@code starter} makes. Returns them in the order taken.
   */
  <C> List<JobRecord> dispatch(int budget, JobQueue.Placer<C> placer, Predicate<String> canRun, Starter<C> starter);

  /**
   * The slave did not take {@code job}'s current attempt (busy, or gone before it was sent): the
   * attempt is forgotten, and the job goes back to the head of its lane.
   */
  void notTaken(JobRecord job);

  /**
   * An attempt of {@code job} ended as {@code ended}. If it is the current one, {@code verdict}
   * says what becomes of the job (ended, or retried) and {@code slot} is where it ran, avoided by a
   * retry; for an earlier attempt, {@code verdict} is null and only its end is recorded.
   */
  void attemptEnded(JobRecord job, Attempt ended, long slot, Verdict verdict, Changes changes);

  /** {@code job}'s backoff is over: back to the head of its lane. False if it no longer waits for one. */
  boolean backoffOver(JobRecord job);

  /** A combined job sent as a task ({@code combineAsTask}) has its data, {@code combination}: it is queued. */
  void combined(JobRecord job, Map<String, Object> combination, Changes changes);

  /**
   * Ends {@code job} as {@code ending} unless it is final, then the jobs that depend on it as the
   * dependency rules say ({@link DependencyGraph}). Returns how many jobs it ended.
   */
  int end(JobRecord job, Ending ending, Changes changes);

  /** Ends every job not final as {@code ending}, each alone, and accepts no more (a durable store keeps them instead). */
  void close(Ending ending, Changes changes);

  // Durability: nothing to wait for in memory.

  /** Whether changes are written to disk, and a submit must wait for its {@link #ticket()}. */
  default boolean isDurable() {
    return false;
  }

  /** The ticket of the changes made so far (under the lock); 0 for a store that does not write. */
  default long ticket() {
    return 0;
  }

  /**
   * Waits (outside the lock) until the changes up to {@code ticket} are on disk.
   *
   * @throws dev.taskwire.master.store.StoreException if they could not be written
   */
  default void awaitStored(long ticket) {}

  /** {@code job}'s progress changed (outside a change call): a durable store writes it with the next batch. */
  default void progressed(JobRecord job) {}

  /** Why the store's last write failed; null while it writes (always, in memory). */
  default dev.taskwire.master.store.StoreException storeFailure() {
    return null;
  }
}
