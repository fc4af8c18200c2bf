package dev.taskwire.master.scheduler;

import dev.taskwire.common.util.Checks;
import dev.taskwire.common.util.ThreadPools;
import dev.taskwire.master.ConnectionListener;
import dev.taskwire.master.SlaveConnection;
import dev.taskwire.master.Task;
import dev.taskwire.master.TaskStatus;
import dev.taskwire.master.store.EmbeddedStore;
import dev.taskwire.master.store.StoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.function.Consumer;

/**
 * Jobs for the whole fleet: {@link #submit(Map, JobOptions) submit} work without naming a
 * connection, and the scheduler queues it, sends it to a live connection with a free slot, retries
 * it elsewhere when a slave dies, and delivers its result once. Get it from {@link
 * dev.taskwire.master.Master#scheduler()}; connection-bound tasks ({@link
 * dev.taskwire.master.SlaveConnection#newTask}) work beside it and share the slots.
 *
 * <ul>
 *   <li><b>Queue.</b> Jobs wait while no connection they may use has a free slot. Higher {@link
 *       JobOptions#priority() priority} first; within a priority the {@link JobOptions#group()
 *       groups} with jobs queued take turns, so a group with 100,000 jobs does not starve one with
 *       ten; first in first out within a group. At most {@link #queueCapacity()} jobs wait; a
 *       submit beyond that throws {@link QueueFullException} and accepts nothing. A retry of a job
 *       already accepted is never refused, so retries may take the queue past its bound for a
 *       while.
 *   <li><b>Dispatch.</b> To the live connection, among those with every label the job requires
 *       ({@link dev.taskwire.master.SlaveConnection#labels()}), with the most free slots; ties go
 *       round robin. A slave
 *       is never sent more jobs than its free slots (tasks sent on the connection directly count
 *       too, once they are in flight); one that answers busy all the same (601: a reference
 *       slave still running a task the master gave up on) gets the job back at the head of its
 *       queue, no attempt counted, and a short pause. A connection that becomes live takes queued
 *       jobs at once. A {@link #limit(String, int) group limit} caps a group's running jobs.
 *   <li><b>Retries and fencing.</b> An attempt that ends LOST (its connection ended: the slave
 *       died, was removed) or START_FAILED (the slave could not be reached or refused it) is
 *       retried at once, elsewhere where possible, up to {@link JobOptions#maxAttempts()} attempts
 *       in all. SLAVE_FAILED and TIMEOUT are retried only when the job's {@link
 *       JobOptions#retryOn()} asks, after its {@link Backoff}. CANCELLED and SHUTDOWN never are.
 *       Only the current attempt can finish a job: a late report of an earlier attempt is
 *       acknowledged on the wire (its task id is remembered) and changes nothing.
 *   <li><b>The guarantee.</b> At-least-once execution (a slave that died after running a job but
 *       before its report arrived has run it once already when the retry runs), exactly-once
 *       result delivery: each job reaches one final state, and its callbacks and final event run
 *       once.
 *   <li><b>Timeouts.</b> A job's {@code timeout} bounds each attempt (TIMEOUT; without one, the
 *       connection's {@link dev.taskwire.master.SlaveConnection#taskTimeout() default task
 *       timeout} applies); {@code queueTimeout} the wait before its first dispatch
 *       (QUEUE_TIMEOUT); {@code deadline} its whole life, across attempts (DEADLINE, a running
 *       attempt cancelled).
 *   <li><b>Dependencies.</b> A job may run {@link JobOptions#after() after} other jobs: it is
 *       WAITING until all of them completed, then queued with their results in its data as its
 *       {@link Passing} says. One that does not complete fails its downstreams (UPSTREAM_FAILED); a
 *       caller's cancel spreads down, and from a {@link #combine combined job} up to the upstreams
 *       nothing else needs. Each edge is settled once, by a work list, not by recursion.
 *   <li><b>Shutdown.</b> When the master shuts down, every job not yet final fails with reason
 *       SHUTDOWN, and its callbacks run.
 * </ul>
 *
 * <p>Thread-safe: one lock guards the queue and every job's state; nothing slow runs under it (no
 * request, no callback, no listener). Tasks are sent from a pool of the scheduler's own, callbacks
 * run on another, events on a third ({@link SchedulerListener}).
 *
 * <p>This class is the facade. The jobs' state is kept by a {@link JobStore} (in memory), each
 * change one call; the duties are classes of their own: {@link Intake} takes jobs in, {@link
 * Dispatch} places and sends, {@link Outcomes} settles attempts, retries and ends jobs, {@link
 * DependencyGraph} holds the rules of jobs that run after others, {@link Combiners} the functions
 * registered by name, {@link JobTimers} runs the timers, {@link FleetWatcher} hears the master, and
 * {@link Shutdown} ends it all.
 */
public final class Scheduler {
  /** Jobs that may wait in the queue unless the master's builder says otherwise. */
  public static final int DEFAULT_QUEUE_CAPACITY = 100_000;
  /** Final jobs kept for lookup unless the master's builder says otherwise. */
  public static final int DEFAULT_JOB_HISTORY = 10_000;

  /** Guards the store, the fleet's view, the timers: every job's state. */
  final Object lock = new Object();
  private final int capacity;
  private final Duration callbackDrain;
  private final JobStore store;
  private final SchedulerEvents events = new SchedulerEvents();
  private final JobTimers timers = new JobTimers();
  private final ThreadPoolExecutor callbacks;
  private final Dispatch dispatch;
  private final Outcomes outcomes;
  private final Intake intake;
  private final CallerEndings endings;
  private final Orphans orphans = new Orphans();
  private final Combiners combiners = new Combiners();
  /** Where group limits are kept; null without a durable store. */
  private EmbeddedStore disk;

  private Scheduler(int capacity, JobStore store, Duration callbackDrain) {
    this.capacity = Checks.atLeast("queueCapacity", capacity, 1);
    this.callbackDrain = Objects.requireNonNull(callbackDrain, "callbackDrain == null");
    this.store = store;
    int callbackThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
    this.callbacks = ThreadPools.elastic("taskwire-scheduler-callback", callbackThreads);
    // Through a method: the outcomes are made next (they need the dispatch), and used only later.
    this.dispatch = new Dispatch(lock, store, events, timers, this::notAccepted);
    this.outcomes = new Outcomes(lock, store, events, timers, dispatch, callbacks, combiners);
    this.endings = new CallerEndings(lock, store, outcomes, dispatch);
    this.intake = new Intake(lock, this.capacity, store, events, outcomes, dispatch,
        record -> new Job(this, record, callbacks), combiners);
  }

  /**
   * A scheduler for a master's fleet, which hears of the fleet through the listener it hands to
   * {@code watch} (the master's {@code addConnectionListener}). The master makes its own as it is
   * built; use {@link dev.taskwire.master.Master#scheduler()} rather than making a second one,
   * which would compete for the same slots.
   *
   * @param queueCapacity the most jobs that may wait; at least 1
   * @param jobHistory how many final jobs are kept for lookup; at least 1
   * @param callbackDrain how long its shutdown waits for job callbacks already running
   * @param watch adds the listener through which the scheduler hears of connections, attempts and
   *     the master's shutdown
   */
  public static Scheduler create(int queueCapacity, int jobHistory, Duration callbackDrain,
      Consumer<ConnectionListener> watch) {
    Objects.requireNonNull(watch, "watch == null");
    Scheduler scheduler = new Scheduler(queueCapacity,
        new InMemoryJobStore(Checks.atLeast("jobHistory", jobHistory, 1)), callbackDrain);
    scheduler.watch(watch);
    return scheduler;
  }

  /**
   * {@link #create(int, int, Duration, Consumer)} keeping its jobs in {@code disk}: what was kept
   * there is taken up first (queued jobs queued again in their order, waiting ones waiting, final
   * ones within {@code retention} and {@code jobHistory} queryable), a submit returns only once its
   * job is on disk, and the jobs that were running when the master stopped wait {@code
   * adoptionWindow} for a slave to claim their attempt before they end LOST and are retried.
   */
  public static Scheduler create(int queueCapacity, int jobHistory, Duration callbackDrain,
      Consumer<ConnectionListener> watch, EmbeddedStore disk, Duration retention, Duration adoptionWindow) {
    Objects.requireNonNull(watch, "watch == null");
    DurableJobStore store = new DurableJobStore(Objects.requireNonNull(disk, "disk == null"),
        Checks.atLeast("jobHistory", jobHistory, 1), retention);
    Scheduler scheduler = new Scheduler(queueCapacity, store, callbackDrain);
    scheduler.disk = disk;
    new Restart(scheduler.lock, scheduler.outcomes, scheduler.dispatch, scheduler.timers,
        record -> new Job(scheduler, record, scheduler.callbacks), scheduler.orphans, scheduler.combiners)
        .apply(store.restore(), disk.limits(), adoptionWindow);
    scheduler.watch(watch);
    return scheduler;
  }

  /**
   * Waits until every change the scheduler made so far is on disk (at once without a durable
   * store): a slave's report is acknowledged only after this.
   *
   * @throws StoreException if the store could not write them
   */
  public void awaitStored() {
    long ticket;
    synchronized (lock) {
      ticket = store.ticket();
    }
    store.awaitStored(ticket);
  }

  /** Why the store's last write failed; null while it writes, and always without a durable store. */
  public StoreException storeFailure() {
    return store.storeFailure();
  }

  private void watch(Consumer<ConnectionListener> watch) {
    Shutdown shutdown = new Shutdown(lock, store, outcomes, dispatch, timers, events, callbacks, callbackDrain);
    watch.accept(new FleetWatcher(lock, events, dispatch, outcomes, shutdown, orphans));
  }

  /**
   * A slave reported {@code taskId} on {@code connection}, which has no such task in flight: if it
   * is an attempt a restart read back as in flight, it is taken up there (extension "adopt").
   */
  public boolean claim(SlaveConnection connection, String taskId) {
    synchronized (lock) {
      return orphans.claim(connection, taskId, dispatch);
    }
  }

  /** The most jobs that may wait in the queue. */
  public int queueCapacity() {
    return capacity;
  }

  /** {@link #submit(Map, JobOptions)} with {@link JobOptions#DEFAULTS}. */
  public Job submit(Map<String, Object> data) {
    return submit(data, JobOptions.DEFAULTS);
  }

  /**
   * Queues a job carrying {@code data} (a JSON object: maps, lists, strings, numbers, booleans,
   * null), dispatched as soon as a connection it may use has a free slot.
   *
   * @throws QueueFullException if {@link #queueCapacity()} jobs are already waiting
   * @throws IllegalStateException if the master is shutting down
   */
  public Job submit(Map<String, Object> data, JobOptions options) {
    return submitAll(List.of(data), options).get(0);
  }

  /**
   * Queues one job per element of {@code data}, all with {@code options}, in that order: all of them
   * or, if they do not all fit in the queue, none.
   *
   * @throws QueueFullException if they do not all fit; nothing is queued
   * @throws IllegalStateException if the master is shutting down
   */
  public List<Job> submitAll(List<? extends Map<String, Object>> data, JobOptions options) {
    return intake.submitAll(data, options);
  }

  /**
   * A combined job (Dara's {@code MetaTask}): once every one of {@code upstreams} has completed,
   * {@code function} turns their results (in this order) into its result, on the master. It fails
   * with UPSTREAM_FAILED if one of them does not complete, and with COMBINE_FAILED if the function
   * throws. Cancelling it cancels those of its upstreams that no other job not final runs after.
   *
   * <p>A store does not keep {@code function}, which is code: a restart fails the job if the
   * function had not run. Give a {@link #combine(List, String, JobOptions) registered name} to keep it.
   *
   * @param options its priority, group, name, deadline...; their {@code after} and {@code passing}
   *     are replaced by {@code upstreams}
   * @throws IllegalArgumentException if {@code upstreams} is empty, or one is unknown, failed or cancelled
   */
  public Job combine(List<Job> upstreams, Combiner function, JobOptions options) {
    return intake.submitCombined(upstreams, function, null, options, false);
  }

  /**
   * Registers {@code function} as {@code name}, for combined jobs that name it (and so outlive a
   * restart). After a restart, register each name again within the adoption window (the heartbeat
   * tolerance; best right after the master is built): a job ready meanwhile runs once its name is
   * registered. A job ready without its name registered fails with COMBINE_FAILED naming it: at the
   * end of that window, or, after it, at once.
   *
   * @throws IllegalStateException if a function is registered as {@code name} already
   */
  public void registerCombiner(String name, Combiner function) {
    outcomes.register(name, function);
  }

  /**
   * {@link #combine(List, Combiner, JobOptions) combine} with the function {@link #registerCombiner
   * registered} as {@code combiner}, which the job keeps by name and looks up when it runs.
   *
   * @throws IllegalArgumentException if no function is registered as {@code combiner}
   */
  public Job combine(List<Job> upstreams, String combiner, JobOptions options) {
    return intake.submitCombined(upstreams, null, Objects.requireNonNull(combiner, "combiner == null"), options, false);
  }

  /** {@link #combine(List, Combiner, JobOptions)} with {@link JobOptions#DEFAULTS}. */
  public Job combine(List<Job> upstreams, Combiner function) {
    return combine(upstreams, function, JobOptions.DEFAULTS);
  }

  /**
   * {@link #combine(List, Combiner, JobOptions) combine}, but the function's result is the data
   * of a job sent to a slave like any other ({@code asTask}): its result is the slave's.
   */
  public Job combineAsTask(List<Job> upstreams, Combiner function, JobOptions options) {
    return intake.submitCombined(upstreams, function, null, options, true);
  }

  /** {@link #combineAsTask(List, Combiner, JobOptions) combineAsTask} with a {@link #registerCombiner registered} function. */
  public Job combineAsTask(List<Job> upstreams, String combiner, JobOptions options) {
    return intake.submitCombined(upstreams, null, Objects.requireNonNull(combiner, "combiner == null"), options, true);
  }

  /** The job {@code id}, while it is kept (every job not final, and the last final ones). */
  public Optional<Job> job(String id) {
    synchronized (lock) {
      JobRecord record = store.get(id);
      return record == null ? Optional.empty() : Optional.of(record.handle);
    }
  }

  /**
   * Up to {@code limit} kept jobs, newest first, with {@code status} (null for any) in {@code group}
   * (null for any).
   */
  public List<Job> jobs(JobStatus status, String group, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit < 1: " + limit);
    }
    synchronized (lock) {
      List<JobRecord> records = store.newest(limit, job -> (status == null || job.status == status)
          && (group == null || job.options.group().equals(group)));
      List<Job> jobs = new ArrayList<>(records.size());
      records.forEach(record -> jobs.add(record.handle));
      return jobs;
    }
  }

  /** How many final jobs are kept for lookup. */
  public int jobHistory() {
    return store.historyCapacity();
  }

  /** Cancels the job {@code id}; false if it is not kept or already final. See {@link Job#cancel()}. */
  public boolean cancel(String id) {
    JobRecord record;
    synchronized (lock) {
      record = store.get(id);
    }
    return record != null && endings.cancel(record);
  }

  /** Cancels every job of {@code group} not yet final; returns how many. */
  public int cancelGroup(String group) {
    Objects.requireNonNull(group, "group == null");
    return endings.cancelWhere(job -> job.options.group().equals(group), "its group " + group + " was cancelled");
  }

  /** Cancels every job not yet final (Dara's {@code cancel_all_tasks}); returns how many. */
  public int cancelAll() {
    return endings.cancelWhere(job -> true, "every job was cancelled");
  }

  /**
   * Lets at most {@code running} jobs of {@code group} run at once (AMLTK's limiter); jobs over it
   * wait in the queue. Takes effect for the next dispatch: attempts already running go on.
   */
  public void limit(String group, int running) {
    Objects.requireNonNull(group, "group == null");
    if (running < 1) {
      throw new IllegalArgumentException("a group limit must be at least 1, got " + running + "; use removeLimit");
    }
    dispatch.changeLimit(disk, group, running);
  }

  /** Removes {@code group}'s limit; does nothing if it has none. */
  public void removeLimit(String group) {
    dispatch.changeLimit(disk, Objects.requireNonNull(group, "group == null"), null);
  }

  /** The group limits, by group. */
  public Map<String, Integer> limits() {
    synchronized (lock) {
      return dispatch.limits();
    }
  }

  /** Adds a listener of {@link SchedulerEvent}s. */
  public void addListener(SchedulerListener listener) {
    events.add(Objects.requireNonNull(listener, "listener == null"));
  }

  /** Removes a listener; does nothing if it is not there. */
  public void removeListener(SchedulerListener listener) {
    events.remove(listener);
  }

  /** What the scheduler holds now. */
  public SchedulerSummary summary() {
    synchronized (lock) {
      JobStore.Counts counts = store.counts();
      return new SchedulerSummary(counts.queued(), counts.waitingForRetry(), dispatch.runningCount(), capacity,
          counts.queuedByPriority(), dispatch.runningByGroup(), dispatch.limits(), dispatch.freeByConnection(),
          counts.totals(), counts.waitingForUpstreams());
    }
  }

  // The job handle's operations.

  boolean cancel(JobRecord job) {
    return endings.cancel(job);
  }

  boolean completeByHand(JobRecord job, Map<String, Object> result) {
    return endings.completeByHand(job, result);
  }

  String waitingFor(JobRecord job) {
    synchronized (lock) {
      String forCombiner = combiners.waitingFor(job);
      return forCombiner != null ? forCombiner : dispatch.waitingFor(job);
    }
  }

  private void notAccepted(Task task, TaskStatus status, Throwable error, Effects effects) {
    outcomes.notAccepted(task, status, error, effects);
  }
}
