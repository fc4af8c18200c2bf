package dev.taskwire.master.scheduler;

import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.protocol.SlaveErrorCode;
import dev.taskwire.common.protocol.SlaveResponseException;
import dev.taskwire.common.protocol.TaskId;
import dev.taskwire.common.util.LogSafe;
import dev.taskwire.common.util.NamedThreads;
import dev.taskwire.common.util.ThreadPools;
import dev.taskwire.master.ConnectionListener;
import dev.taskwire.master.Master;
import dev.taskwire.master.SlaveConnection;
import dev.taskwire.master.Task;
import dev.taskwire.master.TaskFailure;
import dev.taskwire.master.TaskFailure.Reason;
import dev.taskwire.master.TaskStatus;
import dev.taskwire.master.scheduler.SchedulerEvent.Type;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jobs for the whole fleet: {@link #submit(Map, JobOptions) submit} work without naming a
 * connection, and the scheduler queues it, sends it to a live connection with a free slot, retries
 * it elsewhere when a slave dies, and delivers its result once. Get it from {@link
 * Master#scheduler()}; connection-bound tasks ({@link SlaveConnection#newTask}) work beside it and
 * share the slots.
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
 *       ({@link SlaveConnection#labels()}), with the most free slots; ties go round robin. A slave
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
 *       connection's {@link SlaveConnection#taskTimeout() default task timeout} applies); {@code
 *       queueTimeout} the wait before its first dispatch (QUEUE_TIMEOUT); {@code deadline} its
 *       whole life, across attempts (DEADLINE, a running attempt cancelled).
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
 */
public final class Scheduler {
  /** Jobs that may wait in the queue unless the master's builder says otherwise. */
  public static final int DEFAULT_QUEUE_CAPACITY = 100_000;
  /** Final jobs kept for lookup unless the master's builder says otherwise. */
  public static final int DEFAULT_JOB_HISTORY = 10_000;
  /** Threads that send {@code /task/new}: enough for the slots of a large fleet to fill in parallel. */
  static final int SENDER_THREADS = 32;

  private static final Logger log = LoggerFactory.getLogger(Scheduler.class);

  /** Guards the queue, the fleet's view, and every job's state. */
  final Object lock = new Object();
  private final int capacity;
  private final JobQueue queue = new JobQueue();
  private final FleetSlots fleet = new FleetSlots();
  private final JobHistory history;
  private final SchedulerEvents events = new SchedulerEvents();
  private final Map<Task, Running> running = new HashMap<>();
  private final Map<String, Integer> runningByGroup = new HashMap<>();
  private final Map<String, Integer> limits = new TreeMap<>();
  private final ThreadPoolExecutor sender;
  private final ThreadPoolExecutor callbacks;
  private final ScheduledThreadPoolExecutor timer;
  // Guarded by lock:
  private long seq;
  private int waitingForRetry;
  private int waitingForUpstreams; // WAITING jobs: they count against the queue's bound too
  private int unfinished;
  private boolean shuttingDown;
  private long submitted;
  private long completed;
  private long failed;
  private long cancelled;
  private long retries;

  /** The attempt a task in flight belongs to, and the connection's entry whose slot it holds. */
  private record Running(Job job, int attempt, FleetSlots.Entry entry) {}

  private Scheduler(int capacity, int history) {
    this.capacity = capacity;
    this.history = new JobHistory(history);
    this.sender = ThreadPools.elastic("taskwire-scheduler-send", SENDER_THREADS);
    this.callbacks = ThreadPools.elastic("taskwire-scheduler-callback", Math.max(2, Runtime.getRuntime().availableProcessors()));
    this.timer = new ScheduledThreadPoolExecutor(1, NamedThreads.daemon("taskwire-scheduler-timer"));
    timer.setRemoveOnCancelPolicy(true); // a finished job's timers leave the queue at once
  }

  /**
   * The scheduler of {@code master}, watching its connections. {@link Master} calls this once, as it
   * is built; use {@link Master#scheduler()} rather than making a second one, which would compete
   * for the same slots.
   */
  public static Scheduler create(Master master) {
    Scheduler scheduler = new Scheduler(master.config().queueCapacity(), master.config().jobHistory());
    master.addConnectionListener(scheduler.new FleetWatcher());
    return scheduler;
  }

  /** The pool job callbacks run on. */
  java.util.concurrent.Executor callbackPool() {
    return callbacks;
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
    Objects.requireNonNull(options, "options == null");
    List<Map<String, Object>> copies = new ArrayList<>(data.size());
    List<String> ids = new ArrayList<>(data.size());
    for (Map<String, Object> one : data) {
      // Not Map.copyOf: JSON data may hold nulls.
      copies.add(Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(one, "data == null"))));
      ids.add(TaskId.random().value());
    }
    if (options.passing() == Passing.NEST && !options.after().isEmpty()) {
      for (Map<String, Object> one : copies) {
        if (one.containsKey(Passing.NEST_KEY)) {
          throw new IllegalArgumentException("the data has an \"" + Passing.NEST_KEY + "\" entry, where passing NEST puts the"
              + " upstream results; rename it, or pass them with MERGE or NONE");
        }
      }
    }
    List<Job> jobs = new ArrayList<>(copies.size());
    Effects effects = new Effects();
    synchronized (lock) {
      checkRoom(copies.size());
      List<Job> upstreams = upstreamsOf(options);
      for (int i = 0; i < copies.size(); i++) {
        Job job = new Job(this, ids.get(i), copies.get(i), options, ++seq);
        accept(job, upstreams, effects);
        jobs.add(job);
      }
      dispatch(effects);
    }
    effects.run();
    return jobs;
  }

  /**
   * A combined job (Dara's {@code MetaTask}): once every one of {@code upstreams} has completed,
   * {@code function} turns their results (in this order) into its result, on the master. It fails
   * with UPSTREAM_FAILED if one of them does not complete, and with COMBINE_FAILED if the function
   * throws. Cancelling it cancels those of its upstreams that no other job not final runs after.
   *
   * @param options its priority, group, name, deadline...; their {@code after} and {@code passing}
   *     are replaced by {@code upstreams}
   * @throws IllegalArgumentException if {@code upstreams} is empty, or one is unknown, failed or cancelled
   */
  public Job combine(List<Job> upstreams, Combiner function, JobOptions options) {
    return submitCombined(upstreams, function, options, false);
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
    return submitCombined(upstreams, function, options, true);
  }

  private Job submitCombined(List<Job> upstreams, Combiner function, JobOptions options, boolean asTask) {
    Objects.requireNonNull(function, "function == null");
    if (upstreams.isEmpty()) {
      throw new IllegalArgumentException("a combined job needs at least one upstream");
    }
    JobOptions combined = options.toBuilder().after(upstreams).passing(Passing.NONE).build();
    String id = TaskId.random().value();
    Effects effects = new Effects();
    Job job;
    synchronized (lock) {
      checkRoom(1);
      List<Job> resolved = upstreamsOf(combined);
      job = new Job(this, id, Map.of(), combined, ++seq);
      job.combiner = function;
      job.combineAsTask = asTask;
      accept(job, resolved, effects);
      dispatch(effects);
    }
    effects.run();
    return job;
  }

  /** Under the lock: throws unless {@code count} more jobs may wait. */
  private void checkRoom(int count) {
    if (shuttingDown) {
      throw new IllegalStateException("the master is shutting down: no new jobs");
    }
    int queued = queue.size() + waitingForRetry + waitingForUpstreams;
    if (queued + count > capacity) {
      throw new QueueFullException(capacity, queued, count);
    }
  }

  /** Under the lock: the jobs {@code options} runs after, each known and not failed or cancelled. */
  private List<Job> upstreamsOf(JobOptions options) {
    List<String> ids = options.after();
    if (ids.isEmpty()) {
      return List.of();
    }
    List<Job> upstreams = new ArrayList<>(ids.size());
    java.util.Set<String> keys = new java.util.HashSet<>();
    for (String id : ids) {
      Job upstream = history.get(id);
      if (upstream == null) {
        throw new IllegalArgumentException("unknown upstream job " + LogSafe.escape(id) + ": never submitted to this"
            + " master, or already forgotten (the last " + history.capacity() + " final jobs are kept)");
      }
      JobStatus status = upstream.status();
      if (status == JobStatus.FAILED || status == JobStatus.CANCELLED) {
        throw new IllegalArgumentException("upstream job " + id + " already ended " + status
            + ": a job after it could never run");
      }
      if (options.passing() == Passing.NEST && !keys.add(upstream.key())) {
        throw new IllegalArgumentException("two upstreams share the key \"" + upstream.key()
            + "\" their results would be nested under: give them different names");
      }
      upstreams.add(upstream);
    }
    return upstreams;
  }

  /** The job {@code id}, while it is kept (every job not final, and the last final ones). */
  public Optional<Job> job(String id) {
    synchronized (lock) {
      return Optional.ofNullable(history.get(id));
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
      return history.newest(limit, job -> (status == null || job.status() == status)
          && (group == null || job.options().group().equals(group)));
    }
  }

  /** How many final jobs are kept for lookup. */
  public int jobHistory() {
    return history.capacity();
  }

  /** Cancels the job {@code id}; false if it is not kept or already final. See {@link Job#cancel()}. */
  public boolean cancel(String id) {
    Job job;
    synchronized (lock) {
      job = history.get(id);
    }
    return job != null && cancel(job);
  }

  /** Cancels every job of {@code group} not yet final; returns how many. */
  public int cancelGroup(String group) {
    Objects.requireNonNull(group, "group == null");
    return cancelWhere(job -> job.options().group().equals(group), "its group " + group + " was cancelled");
  }

  /** Cancels every job not yet final (Dara's {@code cancel_all_tasks}); returns how many. */
  public int cancelAll() {
    return cancelWhere(job -> true, "every job was cancelled");
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
    changeLimit(group, running);
  }

  /** Removes {@code group}'s limit; does nothing if it has none. */
  public void removeLimit(String group) {
    changeLimit(Objects.requireNonNull(group, "group == null"), null);
  }

  /** The group limits, by group. */
  public Map<String, Integer> limits() {
    synchronized (lock) {
      return Map.copyOf(limits);
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
      return new SchedulerSummary(queue.size(), waitingForRetry, running.size(), capacity, queue.counts(),
          new TreeMap<>(runningByGroup), Map.copyOf(limits), fleet.freeByConnection(),
          new SchedulerSummary.Totals(submitted, completed, failed, cancelled, retries), waitingForUpstreams);
    }
  }

  // The job handle's operations.

  boolean cancel(Job job) {
    Effects effects = new Effects();
    boolean cancelledNow;
    synchronized (lock) {
      cancelledNow = cancelByCaller(job, "cancelled by the caller", effects) > 0;
    }
    effects.run();
    return cancelledNow;
  }

  boolean completeByHand(Job job, Map<String, Object> result) {
    Effects effects = new Effects();
    boolean completedNow;
    synchronized (lock) {
      completedNow = finish(job, JobStatus.COMPLETED, Collections.unmodifiableMap(new LinkedHashMap<>(result)), null,
          true, "completed by hand", effects) > 0;
      dispatch(effects); // its downstreams may be ready
    }
    effects.run();
    return completedNow;
  }

  String waitingFor(Job job) {
    synchronized (lock) {
      if (job.status() == JobStatus.WAITING) {
        if (job.upstreamsLeft == 0) {
          return "waiting for its function to combine its upstreams' results";
        }
        return "waiting for " + job.upstreamsLeft + " of its " + job.upstreams.size() + " upstream jobs to complete";
      }
      if (job.status() != JobStatus.QUEUED) {
        return null;
      }
      if (job.retryTimer != null) {
        return "waiting for the backoff before its retry";
      }
      if (fleet.isEmpty()) {
        return "waiting for a slave to connect";
      }
      List<String> labels = job.options().labels();
      if (!fleet.anyWith(labels, false)) {
        return "waiting for a slave with labels " + labels;
      }
      if (!job.options().lease().isZero() && !fleet.anyWith(labels, true)) {
        return "waiting for a slave that reports progress: the job has a lease"
            + (labels.isEmpty() ? "" : ", and labels " + labels);
      }
      String group = job.options().group();
      Integer limit = limits.get(group);
      if (limit != null && runningByGroup.getOrDefault(group, 0) >= limit) {
        return "waiting: group " + group + " is at its limit of " + limit + " running";
      }
      return labels.isEmpty() ? "waiting for a free slot" : "waiting for a free slot on a slave with labels " + labels;
    }
  }

  // Under the lock.

  private void accept(Job job, List<Job> upstreams, Effects effects) {
    history.add(job);
    unfinished++;
    submitted++;
    JobOptions options = job.options();
    if (!options.deadline().isZero()) {
      job.deadlineTimer = schedule(() -> deadlinePassed(job), options.deadline());
    }
    if (events.wanted()) {
      events.publish(SchedulerEvent.ofJob(Type.SUBMITTED, job, null, null, null, null, null));
    }
    if (upstreams.isEmpty() && job.combiner == null) {
      enqueue(job);
      return;
    }
    job.upstreams = upstreams;
    job.sentData(null); // made from the upstreams' results once they are in
    job.status(JobStatus.WAITING);
    waitingForUpstreams++;
    int left = 0;
    for (Job upstream : upstreams) {
      if (upstream.status() == JobStatus.COMPLETED) {
        upstream.noteDownstream(job);
      } else {
        upstream.addDownstream(job);
        left++;
      }
    }
    job.upstreamsLeft = left;
    if (left == 0) {
      ready(job, effects);
    }
  }

  /** Under the lock: {@code job} joins the queue for the first time; its queue timeout starts now. */
  private void enqueue(Job job) {
    queue.add(job);
    if (!job.options().queueTimeout().isZero()) {
      job.queueTimer = schedule(() -> queueTimedOut(job), job.options().queueTimeout());
    }
  }

  /**
   * Under the lock: every upstream of {@code job}, WAITING, has completed. Its data is made from
   * theirs and it is queued; a combined job's function is run off the lock first.
   */
  private void ready(Job job, Effects effects) {
    List<Job> upstreams = job.upstreams;
    List<Map<String, Object>> results = new ArrayList<>(upstreams.size());
    for (Job upstream : upstreams) {
      results.add(upstream.result());
    }
    if (job.combiner != null) {
      effects.add(() -> {
        try {
          callbacks.execute(() -> combineNow(job, results));
        } catch (RejectedExecutionException stopped) {
          // The master is shutting down: its shutdown ends the job.
        }
      });
      return;
    }
    List<String> keys = List.of();
    if (job.options().passing() == Passing.NEST) {
      keys = new ArrayList<>(upstreams.size());
      for (Job upstream : upstreams) {
        keys.add(upstream.key());
      }
    }
    job.sentData(job.options().passing().apply(job.data(), keys, results));
    leaveWaiting(job);
  }

  private void leaveWaiting(Job job) {
    waitingForUpstreams--;
    job.status(JobStatus.QUEUED);
    enqueue(job);
  }

  /** On a callback thread: runs a combined job's function, then completes it, or queues its combination as a task. */
  private void combineNow(Job job, List<Map<String, Object>> results) {
    Map<String, Object> combination = null;
    Throwable error = null;
    try {
      Map<String, Object> out = job.combiner.combine(Collections.unmodifiableList(results));
      if (out == null) {
        throw new IllegalStateException("the function returned null, not a JSON object");
      }
      combination = Collections.unmodifiableMap(new LinkedHashMap<>(out));
    } catch (Exception | Error e) {
      error = e;
    }
    Effects effects = new Effects();
    synchronized (lock) {
      if (job.status() != JobStatus.WAITING) {
        return; // ended meanwhile: cancelled, past its deadline, shut down
      }
      if (error != null) {
        String why = LogSafe.escape(String.valueOf(error));
        finish(job, JobStatus.FAILED, Map.of("error", "combine-failed", "message", why),
            new TaskFailure(Reason.COMBINE_FAILED, "its function threw " + why), false, null, effects);
      } else if (job.combineAsTask) {
        job.sentData(combination);
        leaveWaiting(job);
      } else {
        finish(job, JobStatus.COMPLETED, combination, null, false, "combined on the master", effects);
      }
      dispatch(effects);
    }
    effects.run();
    if (error != null) {
      log.warn("The function of combined job {} threw", job.id(), error);
    }
  }

  /** Hands queued jobs to free slots, by the fairness rule, as long as there are both. */
  private void dispatch(Effects effects) {
    if (shuttingDown || queue.size() == 0 || fleet.isEmpty()) {
      return;
    }
    int budget = fleet.totalFree();
    if (budget <= 0) {
      return;
    }
    List<JobQueue.Placement<FleetSlots.Entry>> taken = queue.take(budget, job -> {
      FleetSlots.Entry entry = fleet.place(job);
      if (entry != null) {
        entry.attempts++; // reserved at once: the next placement in this round must not count it free
        entry.pending.incrementAndGet();
        runningByGroup.merge(job.options().group(), 1, Integer::sum);
      }
      return entry;
    }, this::belowLimit);
    for (JobQueue.Placement<FleetSlots.Entry> placement : taken) {
      start(placement.job(), placement.connection(), effects);
    }
  }

  private boolean belowLimit(String group) {
    Integer limit = limits.get(group);
    return limit == null || runningByGroup.getOrDefault(group, 0) < limit;
  }

  private void start(Job job, FleetSlots.Entry entry, Effects effects) {
    SlaveConnection connection = entry.connection;
    Task task = connection.newTask(job.sendData());
    if (!job.options().timeout().isZero()) {
      task.timeout(job.options().timeout()); // else the connection's default task timeout applies
    }
    if (!job.options().lease().isZero()) {
      task.lease(job.options().lease()); // placed only on a connection that reports progress
    }
    int number = job.attemptCount() + 1;
    job.addAttempt(new Attempt(number, connection.name(), task.id().value(), Instant.now(), null, null, null));
    job.status(JobStatus.RUNNING);
    job.currentTask = task;
    job.queueTimer = Job.cancel(job.queueTimer); // dispatched: the queue timeout is met
    running.put(task, new Running(job, number, entry));
    if (events.wanted()) {
      events.publish(SchedulerEvent.ofJob(Type.DISPATCHED, job, connection.name(), number, task.id().value(), null, null));
    }
    effects.add(() -> {
      try {
        sender.execute(() -> send(job, task, entry));
      } catch (RejectedExecutionException stopped) {
        // The master is shutting down: its shutdown ends the job.
      }
    });
  }

  /** Under the lock: a caller's cancel of {@code job} (and what it spreads to); returns how many jobs it ended. */
  private int cancelByCaller(Job job, String why, Effects effects) {
    if (job.status().isFinal()) {
      return 0;
    }
    job.cancelledByCaller = true;
    return finish(job, JobStatus.CANCELLED, Map.of("cancelled", true), new TaskFailure(Reason.CANCELLED, why), true,
        null, effects);
  }

  /**
   * Ends {@code job} with {@code status} unless it is final, then settles the jobs that depend on
   * it ({@link #settle}); returns how many jobs this call ended, 0 if {@code job} was final.
   * {@code cancelAttempt}: a running attempt is cancelled (the slave asked to stop it).
   */
  private int finish(Job job, JobStatus status, Map<String, Object> result, TaskFailure failure,
      boolean cancelAttempt, String message, Effects effects) {
    if (!finishOne(job, status, result, failure, cancelAttempt, message, effects)) {
      return 0;
    }
    return job.pendingDownstreams == null && job.combiner == null ? 1 : 1 + settle(job, effects);
  }

  /**
   * Under the lock: {@code first} just ended; tells the jobs that depend on it, and theirs in turn,
   * with a work list rather than recursion (a chain may be 10,000 long). A completed job counts
   * down its downstreams, and queues those it was the last upstream of; one a caller cancelled
   * cancels its downstreams, and, if it is a combined job, those of its upstreams no other job not
   * final needs; one that ended otherwise fails its downstreams with UPSTREAM_FAILED. Each edge is
   * looked at once. Returns how many jobs it ended.
   */
  private int settle(Job first, Effects effects) {
    int ended = 0;
    java.util.ArrayDeque<Job> work = new java.util.ArrayDeque<>();
    work.add(first);
    Job job;
    while ((job = work.poll()) != null) {
      List<Job> downstreams = job.pendingDownstreams;
      List<Job> upstreams = job.upstreams;
      job.pendingDownstreams = null; // final now: nothing more to tell, and nothing kept alive
      job.upstreams = null;
      JobStatus status = job.status();
      boolean byCaller = status == JobStatus.CANCELLED && job.cancelledByCaller;
      if (downstreams != null) {
        for (Job downstream : downstreams) {
          if (downstream.status().isFinal()) {
            continue;
          }
          if (status == JobStatus.COMPLETED) {
            if (--downstream.upstreamsLeft == 0) {
              ready(downstream, effects);
            }
            continue;
          }
          boolean endedNow;
          if (byCaller) {
            downstream.cancelledByCaller = true;
            endedNow = finishOne(downstream, JobStatus.CANCELLED, Map.of("cancelled", true), new TaskFailure(Reason.CANCELLED,
                "its upstream " + job.key() + " was cancelled"), true, null, effects);
          } else {
            TaskFailure why = job.failure();
            endedNow = finishOne(downstream, JobStatus.FAILED, Map.of("error", "upstream-failed", "upstream", job.id()),
                new TaskFailure(Reason.UPSTREAM_FAILED, "its upstream " + job.key() + " ended " + status
                    + (why == null ? "" : " (" + why.reason() + ": " + why.message() + ")")), true, null, effects);
          }
          if (endedNow) {
            ended++;
            work.add(downstream);
          }
        }
      }
      if (byCaller && job.combiner != null && upstreams != null) {
        for (Job upstream : upstreams) {
          if (!upstream.status().isFinal() && !upstream.neededByOtherThan(job)) {
            upstream.cancelledByCaller = true;
            if (finishOne(upstream, JobStatus.CANCELLED, Map.of("cancelled", true), new TaskFailure(Reason.CANCELLED,
                "the combined job " + job.key() + " that needed it was cancelled"), true, null, effects)) {
              ended++;
              work.add(upstream);
            }
          }
        }
      }
    }
    return ended;
  }

  /**
   * Ends {@code job} alone with {@code status} unless it is final; returns whether this call ended it.
   */
  private boolean finishOne(Job job, JobStatus status, Map<String, Object> result, TaskFailure failure,
      boolean cancelAttempt, String message, Effects effects) {
    if (job.status().isFinal()) {
      return false;
    }
    if (job.status() == JobStatus.WAITING) {
      waitingForUpstreams--;
    }
    if (job.inQueue) {
      queue.removed(job);
    }
    if (job.retryTimer != null) {
      waitingForRetry--;
    }
    Task attempt = job.currentTask;
    Attempt last = job.lastAttempt();
    dev.taskwire.master.Completion.Sealed sealed = job.finish(status, result, failure);
    unfinished--;
    history.finished(job);
    switch (status) {
      case COMPLETED -> completed++;
      case CANCELLED -> cancelled++;
      default -> failed++;
    }
    if (events.wanted()) {
      Type type = status == JobStatus.COMPLETED ? Type.COMPLETED : status == JobStatus.CANCELLED ? Type.CANCELLED : Type.FAILED;
      events.publish(SchedulerEvent.ofJob(type, job, last == null ? null : last.connection(),
          last == null ? null : last.number(), null, failure == null ? null : failure.reason().name(),
          message != null ? message : failure == null ? null : failure.message()));
      if (unfinished == 0) {
        events.publish(SchedulerEvent.empty());
      }
    }
    if (cancelAttempt && attempt != null) {
      effects.add(attempt::cancel);
    }
    effects.add(() -> job.completion().deliver(sealed));
    return true;
  }

  /**
   * The current attempt of {@code job} ended with {@code failure}: retries it if its policy says so
   * and an attempt is left, or fails it.
   */
  private void retryOrFail(Job job, TaskFailure failure, Map<String, Object> result, Effects effects) {
    Reason reason = failure.reason();
    boolean always = reason == Reason.LOST || reason == Reason.START_FAILED || reason == Reason.STALLED;
    boolean retryable = !shuttingDown && (always || job.options().retryOn().contains(reason));
    if (!retryable) {
      finish(job, JobStatus.FAILED, result, failure, false, null, effects);
      return;
    }
    int done = job.attemptCount();
    if (done >= job.options().maxAttempts()) {
      finish(job, JobStatus.FAILED, result, new TaskFailure(Reason.RETRIES_EXHAUSTED,
          done + " attempt" + (done == 1 ? "" : "s") + "; the last ended " + reason + ": " + failure.message()),
          false, null, effects);
      return;
    }
    retries++;
    Duration delay = always ? Duration.ZERO : job.options().backoff().delay(done);
    job.status(JobStatus.QUEUED);
    if (events.wanted()) {
      events.publish(SchedulerEvent.ofJob(Type.RETRYING, job, job.lastConnection == null ? null : job.lastConnection.name(),
          done, null, reason.name(), "attempt " + done + " ended " + reason + "; attempt " + (done + 1) + " of "
              + job.options().maxAttempts() + (delay.isZero() ? " now" : " in " + delay.toMillis() + " ms")));
    }
    if (delay.isZero()) {
      queue.addFirst(job);
    } else {
      waitingForRetry++;
      job.retryTimer = schedule(() -> backoffOver(job), delay);
    }
  }

  private ScheduledFuture<?> schedule(Runnable action, Duration delay) {
    try {
      return timer.schedule(action, delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException stopped) {
      return null; // shutting down: the shutdown ends the job
    }
  }

  private void changeLimit(String group, Integer limit) {
    Effects effects = new Effects();
    synchronized (lock) {
      if (limit == null) {
        limits.remove(group);
      } else {
        limits.put(group, limit);
      }
      dispatch(effects);
    }
    effects.run();
  }

  private int cancelWhere(java.util.function.Predicate<Job> which, String why) {
    Effects effects = new Effects();
    int count = 0;
    synchronized (lock) {
      for (Job job : history.oldestFirst(job -> !job.status().isFinal() && which.test(job))) {
        count += cancelByCaller(job, why, effects); // with what it spreads to; 0 for one ended by an earlier spread
      }
    }
    effects.run();
    return count;
  }

  // On the scheduler's threads.

  /** Sends {@code task}, the attempt of {@code job} on {@code entry}, on a sender thread. */
  private void send(Job job, Task task, FleetSlots.Entry entry) {
    Throwable error = null;
    try {
      task.start();
    } catch (IOException | RuntimeException | Error e) {
      // An Error (from a hook, say) must not leave the attempt and its reserved slot behind.
      error = e;
    }
    boolean quietlyAccepted = error == null && isAccepted(task.status()) && !entry.everPaused;
    int sendsBefore = entry.pending.getAndDecrement();
    if (quietlyAccepted && sendsBefore < FleetSlots.MAX_SENDS_PER_CONNECTION) {
      // The common case, without the lock: the slave took it, there is no pause to lift, and the
      // cap on sends in progress did not hold this connection back, so no dispatch waits on this.
      return;
    }
    Effects effects = new Effects();
    synchronized (lock) {
      TaskStatus status = task.status();
      if (status == TaskStatus.START_FAILED || !status.isFinal() && status != TaskStatus.STARTED) {
        startFailed(job, task, entry, error, effects);
      } else if (status == TaskStatus.CANCELLED) {
        // Cancelled while it was being sent (the job ended meanwhile): if it never reached the
        // connection's tasks in flight, no event will come, so it ends here (once: by `running`).
        attemptOver(entry.connection, task, effects);
      } else {
        fleet.accepted(entry);
      }
      dispatch(effects);
    }
    effects.run();
    if (error instanceof Error fatal) {
      log.error("Sending job {} to {} threw; the attempt counts as not started", job.id(), entry.connection.name(), fatal);
    }
  }

  /** {@code task} did not start; the attempt ends here (its connection's event skips START_FAILED). */
  private void startFailed(Job job, Task task, FleetSlots.Entry entry, Throwable error, Effects effects) {
    Running attempt = running.remove(task);
    if (attempt == null) {
      return;
    }
    attempt.entry().attempts--;
    decrementRunning(job.options().group());
    if (job.currentTask != task || job.status().isFinal()) {
      return;
    }
    job.currentTask = null;
    boolean busy = isBusy(error);
    // Refused because its connection ended first (not a hook's IllegalStateException): the slave never saw it.
    boolean neverSent = error instanceof IllegalStateException && !entry.connection.isConnected();
    if (!neverSent) {
      // A slave that refuses or cannot be reached would otherwise take (and fail) job after job as
      // fast as they come: it pauses, longer each time in a row, until it takes one again or ends.
      long pause = fleet.pause(entry);
      schedule(this::dispatchNow, Duration.ofNanos(pause));
      String why = busy ? "busy" : LogSafe.escape(String.valueOf(error));
      String name = entry.connection.name();
      effects.add(() -> log.info("Slave of {} did not take job {} ({}); no job goes to it for {} ms", name, job.id(), why,
          pause / 1_000_000));
    }
    if (busy || neverSent) {
      // Not an attempt: the slave did not take it. Back to the head of its queue.
      job.dropLastAttempt();
      job.status(JobStatus.QUEUED);
      queue.addFirst(job);
      if (events.wanted()) {
        events.publish(SchedulerEvent.ofJob(Type.RETRYING, job, entry.connection.name(), null, null, Reason.START_FAILED.name(),
            busy ? "the slave answered busy; not counted as an attempt" : "its connection ended before it was sent"));
      }
      return;
    }
    TaskFailure failure = task.failure() != null ? task.failure()
        : new TaskFailure(Reason.START_FAILED, "sending it threw " + LogSafe.escape(String.valueOf(error)));
    job.attemptEnded(job.lastAttempt().ended(TaskStatus.START_FAILED, failure));
    job.lastConnection = entry.connection;
    retryOrFail(job, failure, Map.of("error", "start-failed", "connection", entry.connection.name()), effects);
  }

  /** Whether a task's status after its send says the slave took it (it may even have reported already). */
  private static boolean isAccepted(TaskStatus status) {
    return status == TaskStatus.STARTED || status.isFinal() && status != TaskStatus.START_FAILED && status != TaskStatus.CANCELLED;
  }

  /** Whether the slave refused as busy: 601 (every slot taken), or a Taskwire slave's 429 (too many requests). */
  private static boolean isBusy(Throwable error) {
    if (error instanceof SlaveResponseException refusal) {
      return refusal.errorCode() == SlaveErrorCode.TASK_ALREADY_EXIST;
    }
    return error instanceof ResponseException answer && answer.httpStatus() == 429;
  }

  /**
   * A task on {@code connection} left its tasks in flight (reported, timed out, cancelled, lost);
   * START_FAILED ones go through {@link #send}. Its slot is free, whoever's task it was.
   */
  private void attemptEnded(SlaveConnection connection, Task task) {
    Effects effects = new Effects();
    synchronized (lock) {
      if (task.status() != TaskStatus.START_FAILED) {
        attemptOver(connection, task, effects);
      }
      dispatch(effects); // a connection-bound task's slot is free for a job too
    }
    effects.run();
  }

  /** Under the lock: {@code task}, final, ends its attempt, and finishes or retries the job if it is the current one. */
  private void attemptOver(SlaveConnection connection, Task task, Effects effects) {
    Running attempt = running.remove(task);
    if (attempt == null) {
      return; // not a job's (a task sent on the connection directly), or already ended
    }
    Job job = attempt.job();
    TaskStatus status = task.status();
    attempt.entry().attempts--;
    decrementRunning(job.options().group());
    job.attemptEnded(job.attempt(attempt.attempt()).ended(status, task.failure()));
    if (job.currentTask != task || job.status().isFinal()) {
      return; // fenced: only the current attempt finishes a job
    }
    job.currentTask = null;
    job.lastConnection = connection;
    switch (status) {
      case COMPLETED -> finish(job, JobStatus.COMPLETED, task.result(), null, false, null, effects);
      case CANCELLED -> finish(job, JobStatus.CANCELLED, task.result(), task.failure(), false, null, effects);
      default -> retryOrFail(job, task.failure(), task.result(), effects);
    }
  }

  /** The slave of {@code connection} reported {@code progress} of {@code task}: the job's, if it is its current attempt. */
  private void attemptProgress(SlaveConnection connection, Task task, Map<String, Object> progress) {
    synchronized (lock) {
      Running attempt = running.get(task);
      if (attempt == null) {
        return;
      }
      Job job = attempt.job();
      if (job.currentTask != task || job.status().isFinal()) {
        return;
      }
      job.progressed(progress);
      if (events.wanted()) {
        events.publish(SchedulerEvent.progress(job, connection.name(), attempt.attempt(), progress));
      }
    }
  }

  private void decrementRunning(String group) {
    runningByGroup.compute(group, (g, n) -> n == null || n <= 1 ? null : n - 1);
  }

  private void dispatchNow() {
    Effects effects = new Effects();
    synchronized (lock) {
      dispatch(effects);
    }
    effects.run();
  }

  private void backoffOver(Job job) {
    Effects effects = new Effects();
    synchronized (lock) {
      if (job.status() != JobStatus.QUEUED || job.retryTimer == null) {
        return;
      }
      job.retryTimer = null;
      waitingForRetry--;
      queue.addFirst(job);
      dispatch(effects);
    }
    effects.run();
  }

  private void queueTimedOut(Job job) {
    Effects effects = new Effects();
    synchronized (lock) {
      if (job.status() == JobStatus.QUEUED && job.attemptCount() == 0) {
        finish(job, JobStatus.FAILED, Map.of("error", "queue-timeout"), new TaskFailure(Reason.QUEUE_TIMEOUT,
            "not dispatched within " + job.options().queueTimeout().toMillis() + " ms"), false, null, effects);
      }
    }
    effects.run();
  }

  private void deadlinePassed(Job job) {
    Effects effects = new Effects();
    synchronized (lock) {
      finish(job, JobStatus.FAILED, Map.of("error", "deadline"), new TaskFailure(Reason.DEADLINE,
          "not final within its deadline of " + job.options().deadline().toMillis() + " ms"), true, null, effects);
    }
    effects.run();
  }

  /** The master is shutting down: every job not final fails with SHUTDOWN; then the threads stop. */
  private void shutdown() {
    Effects effects = new Effects();
    int ended = 0;
    synchronized (lock) {
      if (shuttingDown) {
        return;
      }
      shuttingDown = true;
      TaskFailure failure = new TaskFailure(Reason.SHUTDOWN, "the master shut down");
      for (Job job : history.oldestFirst(job -> !job.status().isFinal())) {
        // Attempts are not cancelled: their connections end with the master.
        // Each alone: every job not final ends SHUTDOWN, none UPSTREAM_FAILED.
        if (finishOne(job, JobStatus.FAILED, Map.of("error", "shutdown"), failure, false, null, effects)) {
          ended++;
        }
      }
      queue.clear();
      waitingForRetry = 0;
      waitingForUpstreams = 0;
    }
    effects.run();
    if (ended > 0) {
      log.info("Scheduler: {} job(s) not final ended with SHUTDOWN", ended);
    }
    sender.shutdownNow();
    timer.shutdownNow();
    if (!ThreadPools.drain(callbacks, Master.CALLBACK_DRAIN)) {
      log.warn("Job callbacks still running after {} ms; not waiting for them", Master.CALLBACK_DRAIN.toMillis());
    }
    events.shutdown(Duration.ofSeconds(1));
  }

  /** What the scheduler hears from the master. */
  private final class FleetWatcher implements ConnectionListener {
    @Override
    public void connectionLive(SlaveConnection connection) {
      Effects effects = new Effects();
      synchronized (lock) {
        if (!connection.isConnected()) {
          return; // ended before it was told live: its end event came first, or comes now
        }
        fleet.add(connection);
        if (events.wanted()) {
          events.publish(SchedulerEvent.ofConnection(Type.CONNECTION_LIVE, connection.name()));
        }
        dispatch(effects);
      }
      effects.run();
    }

    @Override
    public void connectionEnded(SlaveConnection connection) {
      synchronized (lock) {
        fleet.remove(connection);
        if (events.wanted()) {
          events.publish(SchedulerEvent.ofConnection(Type.CONNECTION_ENDED, connection.name()));
        }
      }
    }

    @Override
    public void attemptEnded(SlaveConnection connection, Task task) {
      Scheduler.this.attemptEnded(connection, task);
    }

    @Override
    public void attemptProgress(SlaveConnection connection, Task task, Map<String, Object> progress) {
      Scheduler.this.attemptProgress(connection, task, progress);
    }

    @Override
    public void masterShuttingDown() {
      shutdown();
    }
  }
}
