package dev.taskwire.master.scheduler;

import dev.taskwire.common.util.NamedThreads;
import dev.taskwire.master.store.EmbeddedStore;
import dev.taskwire.master.store.StoreChange;
import dev.taskwire.master.store.StoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link JobStore} on disk: the {@link InMemoryJobStore} answers every read and makes every
 * change, and each change call hands the rows of the records it changed (plus the totals) to the
 * {@link EmbeddedStore}'s group commit, as one transaction's worth. A caller that must not answer
 * before its change is on disk (a submit, a slave's report) takes {@link #ticket()} under the
 * lock and waits with {@link #awaitStored(long)} outside it.
 *
 * <p>At start it reads back every job not final and the newest final ones within the history and
 * the retention ({@link InMemoryJobStore#restore}). A sweep removes, in small batches once a
 * minute, final jobs past the retention or beyond the history's count.
 */
final class DurableJobStore implements JobStore {
  private static final Logger log = LoggerFactory.getLogger(DurableJobStore.class);
  private static final int SWEEP_BATCH = 500;
  private static final Duration SWEEP_EVERY = Duration.ofMinutes(1);

  private final EmbeddedStore disk;
  private final Set<JobRecord> touched = Collections.newSetFromMap(new IdentityHashMap<>());
  private final InMemoryJobStore memory;
  private final int history;
  private final Duration retention;
  private final ScheduledExecutorService sweeper;
  private long ticket; // under the scheduler's lock
  /** The counters as last handed to the group commit (seq, submitted, completed, failed, cancelled, retries). */
  private final long[] countersHandedOver = {-1, -1, -1, -1, -1, -1};

  DurableJobStore(EmbeddedStore disk, int history, Duration retention) {
    this.disk = disk;
    this.history = history;
    this.retention = retention;
    this.memory = new InMemoryJobStore(history, touched::add);
    this.sweeper = Executors.newSingleThreadScheduledExecutor(NamedThreads.daemon("taskwire-store-retention"));
    sweeper.scheduleWithFixedDelay(this::sweep, SWEEP_EVERY.toMillis(), SWEEP_EVERY.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * What a restart read back, for the scheduler to act on (timers, handles, orphaned attempts, and
   * the combined jobs whose function has not run: {@code combined}, WAITING).
   */
  record Restored(List<JobRecord> jobs, Map<JobRecord, Map<String, Object>> progress, List<JobRecord> running,
      List<JobRecord> combined, Changes changes) {}

  /** Reads the kept jobs back into memory. Called once, before any other call. */
  Restored restore() {
    List<JobDocuments.Read> finals = new ArrayList<>();
    List<JobDocuments.Read> unfinished = new ArrayList<>();
    long since = System.currentTimeMillis() - retention.toMillis();
    disk.readJobs(history, since, text -> unfinished.add(JobDocuments.read(text)),
        text -> finals.add(JobDocuments.read(text)));
    Collections.reverse(finals); // read newest first; kept oldest first
    Map<String, Long> counters = disk.counters();
    SchedulerSummary.Totals totals = new SchedulerSummary.Totals(counters.getOrDefault("submitted", 0L),
        counters.getOrDefault("completed", 0L), counters.getOrDefault("failed", 0L),
        counters.getOrDefault("cancelled", 0L), counters.getOrDefault("retries", 0L));
    List<JobRecord> finalRecords = new ArrayList<>(finals.size());
    List<JobRecord> unfinishedRecords = new ArrayList<>(unfinished.size());
    Map<JobRecord, Map<String, Object>> progress = new IdentityHashMap<>();
    List<JobRecord> running = new ArrayList<>();
    List<JobRecord> combined = new ArrayList<>();
    for (JobDocuments.Read read : finals) {
      take(read, finalRecords, progress);
    }
    for (JobDocuments.Read read : unfinished) {
      JobRecord record = take(read, unfinishedRecords, progress);
      // A combined job whose function has not run yet; once it has, its combination is the data
      // of an ordinary job (combineAsTask), taken up as any other.
      if (record.combined && record.status == JobStatus.WAITING) {
        combined.add(record);
      } else if (record.status == JobStatus.RUNNING) {
        running.add(record);
      }
    }
    List<JobRecord> jobs = new ArrayList<>(finalRecords.size() + unfinishedRecords.size());
    jobs.addAll(finalRecords);
    jobs.addAll(unfinishedRecords);
    Changes changes = new Changes();
    memory.restore(finalRecords, unfinishedRecords, totals, counters.getOrDefault("seq", 0L), changes);
    touched.clear();
    log.info("Store: {} job(s) not final and {} final read back ({} running when the master stopped)",
        unfinished.size(), finals.size(), running.size());
    return new Restored(jobs, progress, running, combined, changes);
  }

  /** Adds {@code read}'s record to {@code records}, its progress to {@code progress}; returns the record. */
  private static JobRecord take(JobDocuments.Read read, List<JobRecord> records,
      Map<JobRecord, Map<String, Object>> progress) {
    records.add(read.record());
    if (read.progress() != null) {
      progress.put(read.record(), read.progress());
    }
    return read.record();
  }

  @Override
  public boolean isDurable() {
    return true;
  }

  /** The ticket of the changes made so far: {@link #awaitStored} it to wait until they are on disk. */
  @Override
  public long ticket() {
    return ticket;
  }

  @Override
  public void awaitStored(long upTo) {
    disk.awaitWritten(upTo);
  }

  @Override
  public StoreException storeFailure() {
    return disk.failure();
  }

  /** Writes the records the last change call changed, with the totals, as one transaction's worth. */
  private void written() {
    if (touched.isEmpty()) {
      return;
    }
    List<StoreChange> rows = new ArrayList<>(touched.size() + 6);
    for (JobRecord job : touched) {
      rows.add(JobDocuments.row(job));
    }
    touched.clear();
    SchedulerSummary.Totals totals = memory.totals();
    counter(rows, 0, "seq", memory.lastSeq());
    counter(rows, 1, "submitted", totals.submitted());
    counter(rows, 2, "completed", totals.completed());
    counter(rows, 3, "failed", totals.failed());
    counter(rows, 4, "cancelled", totals.cancelled());
    counter(rows, 5, "retries", totals.retries());
    ticket = disk.writer().submit(rows);
  }

  /** Adds the counter {@code name} to {@code rows} if it changed since it was last handed over: a row less to write. */
  private void counter(List<StoreChange> rows, int index, String name, long value) {
    if (countersHandedOver[index] != value) {
      countersHandedOver[index] = value;
      rows.add(new StoreChange.Counter(name, value));
    }
  }

  /** Writes {@code job} again for its progress; nobody waits for it. */
  @Override
  public void progressed(JobRecord job) {
    touched.add(job);
    written();
  }

  private void sweep() {
    try {
      long before = System.currentTimeMillis() - retention.toMillis();
      int removed = 0;
      List<String> ids;
      do {
        ids = disk.expiredJobs(before, history, SWEEP_BATCH);
        if (!ids.isEmpty()) {
          List<StoreChange> deletes = new ArrayList<>(ids.size());
          ids.forEach(id -> deletes.add(new StoreChange.JobDeleted(id)));
          disk.awaitWritten(disk.writer().submit(deletes));
          removed += ids.size();
        }
      } while (ids.size() == SWEEP_BATCH);
      if (removed > 0) {
        log.info("Store: removed {} final job(s) past the retention or the history", removed);
      }
    } catch (RuntimeException e) {
      log.warn("Store: the retention sweep failed; tried again in {} s: {}", SWEEP_EVERY.toSeconds(), e.toString());
    }
  }

  // Reads: from memory.

  @Override
  public long nextSeq() {
    return memory.nextSeq();
  }

  @Override
  public JobRecord get(String id) {
    return memory.get(id);
  }

  @Override
  public List<JobRecord> newest(int limit, Predicate<JobRecord> filter) {
    return memory.newest(limit, filter);
  }

  @Override
  public List<JobRecord> unfinished(Predicate<JobRecord> filter) {
    return memory.unfinished(filter);
  }

  @Override
  public int historyCapacity() {
    return memory.historyCapacity();
  }

  @Override
  public int waiting() {
    return memory.waiting();
  }

  @Override
  public int queued() {
    return memory.queued();
  }

  @Override
  public int unfinishedCount() {
    return memory.unfinishedCount();
  }

  @Override
  public Counts counts() {
    return memory.counts();
  }

  @Override
  public boolean isClosed() {
    return memory.isClosed();
  }

  // Changes: made in memory, then handed to the group commit.

  @Override
  public void add(JobRecord job, List<JobRecord> upstreams, Changes changes) {
    if (memory.isClosed()) {
      return;
    }
    memory.add(job, upstreams, changes);
    written();
  }

  @Override
  public <C> List<JobRecord> dispatch(int budget, JobQueue.Placer<C> placer, Predicate<String> canRun,
      Starter<C> starter) {
    if (memory.isClosed()) {
      return List.of();
    }
    List<JobRecord> started = memory.dispatch(budget, placer, canRun, starter);
    written();
    return started;
  }

  @Override
  public void notTaken(JobRecord job) {
    if (memory.isClosed()) {
      return;
    }
    memory.notTaken(job);
    written();
  }

  @Override
  public void attemptEnded(JobRecord job, Attempt ended, long slot, Verdict verdict, Changes changes) {
    if (memory.isClosed()) {
      return; // the attempts a shutdown cuts stay in flight on disk, for the next start to take up
    }
    memory.attemptEnded(job, ended, slot, verdict, changes);
    written();
  }

  @Override
  public boolean backoffOver(JobRecord job) {
    if (memory.isClosed()) {
      return false;
    }
    boolean over = memory.backoffOver(job);
    written();
    return over;
  }

  @Override
  public void combined(JobRecord job, Map<String, Object> combination, Changes changes) {
    if (memory.isClosed()) {
      return;
    }
    memory.combined(job, combination, changes);
    written();
  }

  @Override
  public int end(JobRecord job, Ending ending, Changes changes) {
    if (memory.isClosed()) {
      return 0;
    }
    int ended = memory.end(job, ending, changes);
    written();
    return ended;
  }

  /**
   * Accepts no more jobs and leaves every job as it is, changing nothing more (the attempts the
   * shutdown cuts are not ended): those not final are taken up again at the
   * next start (queued ones queued, running ones matched to their slaves or retried).
   */
  @Override
  public void close(Ending ending, Changes changes) {
    memory.closeKeepingJobs();
    sweeper.shutdownNow();
  }
}
