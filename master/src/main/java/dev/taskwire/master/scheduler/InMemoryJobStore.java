package dev.taskwire.master.scheduler;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The {@link JobStore} in memory: jobs by id ({@link JobHistory}), the queue ({@link JobQueue}),
 * the dependency edges on the records ({@link DependencyGraph}), and the counts. What the master
 * knows is lost when it stops. Not thread-safe: the scheduler's lock guards it.
 */
final class InMemoryJobStore implements JobStore {
  private final JobQueue queue = new JobQueue();
  private final DependencyGraph.Steps steps = new DependencyGraph.Steps() {
    @Override
    public boolean endOne(JobRecord job, Ending ending, Changes changes) {
      return InMemoryJobStore.this.endOne(job, ending, changes);
    }

    @Override
    public void ready(JobRecord job, Changes changes) {
      InMemoryJobStore.this.ready(job, changes);
    }
  };
  private final JobHistory history;
  private long seq;
  private int waitingForRetry;
  private int waitingForUpstreams; // WAITING jobs: they count against the queue's bound too
  private int unfinished;
  private boolean closed;
  private long submitted;
  private long completed;
  private long failed;
  private long cancelled;
  private long retries;

  /** Told of every record a change call changed, for a store that writes them (a no-op here). */
  private final Consumer<JobRecord> touched;

  /** A store that keeps the last {@code history} final jobs for lookup. */
  InMemoryJobStore(int history) {
    this(history, job -> {});
  }

  /** {@link #InMemoryJobStore(int)} telling {@code touched} of every record a change call changes. */
  InMemoryJobStore(int history, Consumer<JobRecord> touched) {
    this.history = new JobHistory(history);
    this.touched = touched;
  }

  @Override
  public long nextSeq() {
    return ++seq;
  }

  @Override
  public JobRecord get(String id) {
    return history.get(id);
  }

  @Override
  public List<JobRecord> newest(int limit, Predicate<JobRecord> filter) {
    return history.newest(limit, filter);
  }

  @Override
  public List<JobRecord> unfinished(Predicate<JobRecord> filter) {
    return history.oldestFirst(job -> !job.status.isFinal() && filter.test(job));
  }

  @Override
  public int historyCapacity() {
    return history.capacity();
  }

  @Override
  public int waiting() {
    return queue.size() + waitingForRetry + waitingForUpstreams;
  }

  @Override
  public int queued() {
    return queue.size();
  }

  @Override
  public int unfinishedCount() {
    return unfinished;
  }

  @Override
  public Counts counts() {
    return new Counts(queue.size(), waitingForRetry, waitingForUpstreams, queue.counts(),
        new SchedulerSummary.Totals(submitted, completed, failed, cancelled, retries));
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public void add(JobRecord job, List<JobRecord> upstreams, Changes changes) {
    touched.accept(job);
    upstreams.forEach(touched); // they gain a downstream
    history.add(job);
    unfinished++;
    submitted++;
    if (upstreams.isEmpty() && !job.combined) {
      enqueue(job, changes);
      return;
    }
    job.sentData = null; // made from the upstreams' results once they are in
    job.status = JobStatus.WAITING;
    waitingForUpstreams++;
    if (DependencyGraph.link(job, upstreams) == 0) {
      ready(job, changes);
    }
  }

  @Override
  public <C> List<JobRecord> dispatch(int budget, JobQueue.Placer<C> placer, Predicate<String> canRun, Starter<C> starter) {
    List<JobQueue.Placement<C>> taken = queue.take(budget, placer, canRun);
    List<JobRecord> started = new java.util.ArrayList<>(taken.size());
    for (JobQueue.Placement<C> placement : taken) {
      JobRecord job = placement.job();
      job.addAttempt(starter.start(job, placement.connection()));
      job.status = JobStatus.RUNNING;
      touched.accept(job);
      started.add(job);
    }
    return started;
  }

  @Override
  public void notTaken(JobRecord job) {
    touched.accept(job);
    job.attempts.remove(job.attempts.size() - 1);
    job.status = JobStatus.QUEUED;
    queue.addFirst(job);
  }

  @Override
  public void attemptEnded(JobRecord job, Attempt ended, long slot, Verdict verdict, Changes changes) {
    touched.accept(job);
    job.attempts.set(ended.number() - 1, ended);
    if (verdict == null) {
      return; // an earlier attempt: only the current one decides
    }
    job.lastSlot = slot;
    if (verdict instanceof Ending ending) {
      end(job, ending, changes);
      return;
    }
    retries++;
    job.status = JobStatus.QUEUED;
    if (((Retry) verdict).delay().isZero()) {
      queue.addFirst(job);
    } else {
      waitingForRetry++;
      job.backingOff = true;
    }
  }

  @Override
  public boolean backoffOver(JobRecord job) {
    if (job.status != JobStatus.QUEUED || !job.backingOff) {
      return false;
    }
    job.backingOff = false;
    waitingForRetry--;
    queue.addFirst(job);
    touched.accept(job);
    return true;
  }

  @Override
  public void combined(JobRecord job, Map<String, Object> combination, Changes changes) {
    touched.accept(job);
    job.sentData = combination;
    leaveWaiting(job, changes);
  }

  @Override
  public int end(JobRecord job, Ending ending, Changes changes) {
    if (!endOne(job, ending, changes)) {
      return 0;
    }
    return job.pendingDownstreams == null && !job.combined ? 1
        : 1 + DependencyGraph.settle(job, ending, steps, changes);
  }

  @Override
  public void close(Ending ending, Changes changes) {
    closed = true;
    for (JobRecord job : unfinished(job -> true)) {
      endOne(job, ending, changes);
    }
    queue.clear();
    waitingForRetry = 0;
    waitingForUpstreams = 0;
  }

  /**
   * Takes back what a durable store kept: {@code finals} oldest first, then {@code unfinished} in
   * the order they were submitted, with their edges and the totals. QUEUED jobs are queued again in
   * their order (reported {@link Changes#queued queued}, so that their queue timeouts start anew);
   * WAITING ones wait for their upstreams again; RUNNING ones keep their attempt in flight, for the
   * scheduler to match to a slave that still runs it, or to end LOST. Made before the scheduler
   * takes any call.
   */
  void restore(List<JobRecord> finals, List<JobRecord> notFinal, SchedulerSummary.Totals totals, long lastSeq,
      Changes changes) {
    Map<String, JobRecord> byId = new java.util.HashMap<>();
    for (JobRecord job : finals) {
      history.add(job);
      history.finished(job);
      byId.put(job.id, job);
    }
    for (JobRecord job : notFinal) {
      history.add(job);
      byId.put(job.id, job);
      unfinished++;
    }
    for (JobRecord job : notFinal) {
      if (!job.options.after().isEmpty()) {
        List<JobRecord> upstreams = new java.util.ArrayList<>(job.options.after().size());
        int left = 0;
        for (String id : job.options.after()) {
          JobRecord upstream = byId.get(id);
          if (upstream == null) {
            continue; // forgotten by the retention; a waiting job then has one upstream fewer to wait for
          }
          upstreams.add(upstream);
          if (upstream.status != JobStatus.COMPLETED) {
            left++;
            if (!upstream.status.isFinal()) {
              if (upstream.pendingDownstreams == null) {
                upstream.pendingDownstreams = new java.util.ArrayList<>(2);
              }
              upstream.pendingDownstreams.add(job);
            }
          }
        }
        job.upstreams = upstreams;
        job.upstreamsLeft = left;
      }
      switch (job.status) {
        case QUEUED -> enqueue(job, changes);
        case WAITING -> waitingForUpstreams++;
        default -> { } // RUNNING: its attempt may still run somewhere
      }
    }
    seq = Math.max(seq, lastSeq);
    submitted = totals.submitted();
    completed = totals.completed();
    failed = totals.failed();
    cancelled = totals.cancelled();
    retries = totals.retries();
  }

  /** Accepts no more jobs and retries none, leaving every job as it is (a durable store keeps them for the next start). */
  void closeKeepingJobs() {
    closed = true;
  }

  /** The totals, for a durable store to keep. */
  SchedulerSummary.Totals totals() {
    return new SchedulerSummary.Totals(submitted, completed, failed, cancelled, retries);
  }

  /** The sequence number last given. */
  long lastSeq() {
    return seq;
  }

  /** Ends {@code job} alone as {@code ending} unless it is final; whether this call ended it. */
  private boolean endOne(JobRecord job, Ending ending, Changes changes) {
    JobStatus before = job.status;
    if (before.isFinal()) {
      return false;
    }
    if (before == JobStatus.WAITING) {
      waitingForUpstreams--;
    }
    if (job.inQueue) {
      queue.removed(job);
    }
    if (job.backingOff) {
      job.backingOff = false;
      waitingForRetry--;
    }
    touched.accept(job);
    Attempt last = job.lastAttempt();
    job.status = ending.status();
    job.result = ending.result();
    job.failure = ending.failure();
    job.finishedAtMillis = System.currentTimeMillis();
    job.lastSlot = 0;
    unfinished--;
    history.finished(job);
    switch (ending.status()) {
      case COMPLETED -> completed++;
      case CANCELLED -> cancelled++;
      default -> failed++;
    }
    changes.ended(job, ending, last, before == JobStatus.RUNNING);
    return true;
  }

  /** Every upstream of {@code job}, WAITING, has completed: it is queued with their results, or combined. */
  private void ready(JobRecord job, Changes changes) {
    List<Map<String, Object>> results = DependencyGraph.results(job);
    if (job.combined) {
      changes.ready(job, results); // its function runs off the lock, then completes it or queues it
      return;
    }
    job.sentData = DependencyGraph.sentData(job, results);
    leaveWaiting(job, changes);
  }

  private void leaveWaiting(JobRecord job, Changes changes) {
    touched.accept(job);
    waitingForUpstreams--;
    job.status = JobStatus.QUEUED;
    enqueue(job, changes);
  }

  /** {@code job} joins the queue for the first time: its queue timeout starts now. */
  private void enqueue(JobRecord job, Changes changes) {
    queue.add(job);
    changes.queued(job);
  }
}
