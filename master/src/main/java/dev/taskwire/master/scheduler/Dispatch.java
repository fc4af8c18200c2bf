package dev.taskwire.master.scheduler;

import dev.taskwire.common.util.ThreadPools;
import dev.taskwire.master.Task;
import dev.taskwire.master.TaskStatus;
import dev.taskwire.master.store.EmbeddedStore;
import dev.taskwire.master.scheduler.SchedulerEvent.Type;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands queued jobs to free slots, as OkHttp's {@code Dispatcher} promotes calls: {@link #promote}
 * runs after every change that may let a job run (a job queued, an attempt ended, a slot freed, a
 * connection live, a limit changed), takes jobs from the store by the fairness rule while the
 * fleet has free slots and their groups are below their limits, and sends each attempt's task on
 * a sender thread of its own, once the lock is released. It keeps the fleet's view ({@link
 * FleetSlots}), the attempts in flight by task, and the group limits: runtime state, not the jobs'.
 */
final class Dispatch {
  /** Threads that send {@code /task/new}: enough for the slots of a large fleet to fill in parallel. */
  static final int SENDER_THREADS = 32;

  private static final Logger log = LoggerFactory.getLogger(Dispatch.class);

  /** An attempt in flight: its job, its number, the connection entry whose slot it holds, its task. */
  record Running(JobRecord job, int attempt, FleetSlots.Entry entry, Task task) {}

  /** Told, under the scheduler's lock, of a send the slave did not take: what becomes of the attempt. */
  @FunctionalInterface
  interface AfterSend {
    /**
     * {@code task} is {@code status} after its send: not started (refused, unreachable, busy, its
     * connection gone, a hook threw {@code error}), or cancelled while it was being sent.
     */
    void notAccepted(Task task, TaskStatus status, Throwable error, Effects effects);
  }

  private final Object lock;
  private final JobStore store;
  private final SchedulerEvents events;
  private final JobTimers timers;
  private final AfterSend afterSend;
  private final FleetSlots fleet = new FleetSlots();
  private final Map<String, Running> running = new HashMap<>(); // by task id
  private final Map<String, Integer> runningByGroup = new HashMap<>();
  private final Map<String, Integer> limits = new TreeMap<>();
  private final ThreadPoolExecutor sender = ThreadPools.elastic("taskwire-scheduler-send", SENDER_THREADS);

  Dispatch(Object lock, JobStore store, SchedulerEvents events, JobTimers timers, AfterSend afterSend) {
    this.lock = lock;
    this.store = store;
    this.events = events;
    this.timers = timers;
    this.afterSend = afterSend;
  }

  /** Under the lock: hands queued jobs to free slots, by the fairness rule, as long as there are both. */
  void promote(Effects effects) {
    if (store.isClosed() || store.queued() == 0 || fleet.isEmpty()) {
      return;
    }
    int budget = fleet.totalFree();
    if (budget <= 0) {
      return;
    }
    List<Running> started = new ArrayList<>();
    JobQueue.Placer<FleetSlots.Entry> placer = job -> {
      FleetSlots.Entry entry = fleet.place(job);
      if (entry != null) {
        entry.attempts++; // reserved at once: the next placement in this round must not count it free
        entry.pending.incrementAndGet();
        runningByGroup.merge(job.options.group(), 1, Integer::sum);
      }
      return entry;
    };
    store.dispatch(budget, placer, this::belowLimit, (job, entry) -> {
      Running attempt = start(job, entry);
      started.add(attempt);
      return new Attempt(attempt.attempt(), entry.connection.name(), attempt.task().id().value(), Instant.now(), null,
          null, null);
    });
    // Sent only once the attempts are on disk: a master killed between a send and its write would
    // otherwise find the job queued at its restart and run it a second time.
    long stored = store.ticket();
    for (Running attempt : started) {
      JobRecord job = attempt.job();
      timers.dispatched(job);
      running.put(attempt.task().id().value(), attempt);
      if (events.wanted()) {
        events.publish(SchedulerEvent.ofJob(Type.DISPATCHED, job, attempt.entry().connection.name(), attempt.attempt(),
            attempt.task().id().value(), null, null));
      }
      effects.add(() -> {
        try {
          sender.execute(() -> send(attempt, stored));
        } catch (RejectedExecutionException stopped) {
          // The master is shutting down: its shutdown ends the job.
        }
      });
    }
  }

  /** Takes the lock, promotes, and runs what that decided. */
  void promoteNow() {
    Effects effects = new Effects();
    synchronized (lock) {
      promote(effects);
    }
    effects.run();
  }

  /** The task of {@code job}'s attempt on {@code entry}, made now, not yet sent. */
  private static Running start(JobRecord job, FleetSlots.Entry entry) {
    Task task = entry.connection.newTask(job.sentData);
    if (!job.options.timeout().isZero()) {
      task.timeout(job.options.timeout()); // else the connection's default task timeout applies
    }
    if (!job.options.lease().isZero()) {
      task.lease(job.options.lease()); // placed only on a connection that reports progress
    }
    return new Running(job, job.attemptCount() + 1, entry, task);
  }

  /** Sends the attempt's task, on a sender thread, once the dispatch ({@code stored}) is on disk. */
  private void send(Running attempt, long stored) {
    Task task = attempt.task();
    FleetSlots.Entry entry = attempt.entry();
    Throwable error = null;
    try {
      store.awaitStored(stored); // at once in memory
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
      if (isAccepted(status)) {
        fleet.accepted(entry);
      } else {
        afterSend.notAccepted(task, status, error, effects);
      }
      promote(effects);
    }
    effects.run();
    if (error instanceof Error fatal) {
      log.error("Sending job {} to {} threw; the attempt counts as not started", attempt.job().id,
          entry.connection.name(), fatal);
    }
  }

  /** Whether a task's status after its send says the slave took it (it may even have reported already). */
  private static boolean isAccepted(TaskStatus status) {
    return status == TaskStatus.STARTED || status.isFinal() && status != TaskStatus.START_FAILED && status != TaskStatus.CANCELLED;
  }

  /**
   * Under the lock: {@code task}'s attempt ended; its slot is free. Returns it, or null if {@code
   * task} is not a job's (sent on its connection directly) or its end was already taken.
   */
  Running release(Task task) {
    Running attempt = running.remove(task.id().value());
    if (attempt == null) {
      return null;
    }
    attempt.entry().attempts--;
    runningByGroup.compute(attempt.job().options.group(), (g, n) -> n == null || n <= 1 ? null : n - 1);
    return attempt;
  }

  /** Under the lock: the attempt in flight whose task is {@code task}; null if none. */
  Running running(Task task) {
    return running.get(task.id().value());
  }

  /** Under the lock: the task of {@code job}'s last attempt, while it is in flight; null if none. */
  Task taskOfLastAttempt(JobRecord job) {
    Attempt last = job.lastAttempt();
    Running attempt = last == null ? null : running.get(last.taskId());
    return attempt == null ? null : attempt.task();
  }

  /** Under the lock: {@code connection} is live; it may take jobs. */
  void connectionLive(FleetMember connection) {
    fleet.add(connection);
  }

  /** Under the lock: whether {@code connection} is in the fleet's view (live). */
  boolean isLive(FleetMember connection) {
    return fleet.find(connection) != null;
  }

  /** Under the lock: {@code job}'s current attempt, taken up as {@code task} on the live {@code connection}, holds a slot there. */
  void adopt(JobRecord job, FleetMember connection, Task task) {
    FleetSlots.Entry entry = fleet.find(connection);
    running.put(task.id().value(), new Running(job, job.attemptCount(), entry, task));
    entry.attempts++;
    runningByGroup.merge(job.options.group(), 1, Integer::sum);
  }

  /** Under the lock: {@code connection} ended. */
  void connectionEnded(FleetMember connection) {
    fleet.remove(connection);
  }

  /**
   * Under the lock: the slave on {@code entry} did not take a job: no job goes to it for a while
   * (longer each time in a row), and a dispatch comes when that is over. Returns it, in nanoseconds.
   */
  long pause(FleetSlots.Entry entry) {
    long pause = fleet.pause(entry);
    timers.schedule(this::promoteNow, Duration.ofNanos(pause));
    return pause;
  }

  /**
   * Sets {@code group}'s limit, or removes it if {@code limit} is null: in {@code disk} first, if
   * there is one (a limit acknowledged is a limit kept), then here; then dispatches what it lets run.
   */
  void changeLimit(EmbeddedStore disk, String group, Integer limit) {
    if (disk != null) {
      disk.keepLimit(group, limit);
    }
    Effects effects = new Effects();
    synchronized (lock) {
      limit(group, limit);
      promote(effects);
    }
    effects.run();
  }

  /** Under the lock: sets {@code group}'s limit, or removes it if {@code limit} is null. */
  void limit(String group, Integer limit) {
    if (limit == null) {
      limits.remove(group);
    } else {
      limits.put(group, limit);
    }
  }

  Map<String, Integer> limits() {
    return Map.copyOf(limits);
  }

  int runningCount() {
    return running.size();
  }

  Map<String, Integer> runningByGroup() {
    return new TreeMap<>(runningByGroup);
  }

  Map<String, Integer> freeByConnection() {
    return fleet.freeByConnection();
  }

  private boolean belowLimit(String group) {
    Integer limit = limits.get(group);
    return limit == null || runningByGroup.getOrDefault(group, 0) < limit;
  }

  /** Under the lock: why {@code job} is not running yet; null unless it is WAITING or QUEUED. */
  String waitingFor(JobRecord job) {
    if (job.status == JobStatus.WAITING) {
      if (job.upstreamsLeft == 0) {
        return "waiting for its function to combine its upstreams' results";
      }
      return "waiting for " + job.upstreamsLeft + " of its " + job.upstreams.size() + " upstream jobs to complete";
    }
    if (job.status != JobStatus.QUEUED) {
      return null;
    }
    if (job.backingOff) {
      return "waiting for the backoff before its retry";
    }
    if (fleet.isEmpty()) {
      return "waiting for a slave to connect";
    }
    List<String> labels = job.options.labels();
    if (!fleet.anyWith(labels, false)) {
      return "waiting for a slave with labels " + labels;
    }
    if (!job.options.lease().isZero() && !fleet.anyWith(labels, true)) {
      return "waiting for a slave that reports progress: the job has a lease"
          + (labels.isEmpty() ? "" : ", and labels " + labels);
    }
    String group = job.options.group();
    if (!belowLimit(group)) {
      return "waiting: group " + group + " is at its limit of " + limits.get(group) + " running";
    }
    return labels.isEmpty() ? "waiting for a free slot" : "waiting for a free slot on a slave with labels " + labels;
  }

  void shutdown() {
    sender.shutdownNow();
  }
}
