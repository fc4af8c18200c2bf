package dev.taskwire.master;

import dev.taskwire.common.protocol.Extensions;
import dev.taskwire.common.protocol.Messages.CancelRequest;
import dev.taskwire.common.protocol.Messages.TaskRef;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The attempts of one connection: tasks sent and not yet final, by wire id. Every way an attempt
 * ends goes through here (reported, timed out, cancelled, not started, its connection ended), and
 * each ends once: the one that takes the task out of flight finishes it, remembers its id (so a
 * late report is acknowledged), and tells the {@link ConnectionEvents}. The timers of a task in
 * flight (its timeout, its lease) live here too, and stop when it leaves.
 */
final class TasksInFlight {
  private static final Logger log = LoggerFactory.getLogger(TasksInFlight.class);

  private final SlaveConnection connection;
  private final ConnectionContext context;
  private final Map<String, Flight> tasks = new ConcurrentHashMap<>();

  /** One task in flight, and its timers. */
  private static final class Flight {
    final Task task;
    volatile ScheduledFuture<?> timeout;
    volatile ScheduledFuture<?> lease;
    /** When the slave last reported progress (or the task started), by {@link System#nanoTime()}. */
    volatile long lastProgressNanos;

    Flight(Task task) {
      this.task = task;
    }

    void stopTimers() {
      ScheduledFuture<?> timer = timeout;
      if (timer != null) {
        timer.cancel(false);
      }
      timer = lease;
      if (timer != null) {
        timer.cancel(false);
      }
    }
  }

  TasksInFlight(SlaveConnection connection, ConnectionContext context) {
    this.connection = connection;
    this.context = context;
  }

  int size() {
    return tasks.size();
  }

  /** Registers {@code task} before its {@code /task/new} is sent: the slave may report before it answers. */
  void add(Task task) {
    tasks.put(task.id().value(), new Flight(task));
  }

  /** The slave accepted {@code task}: arm its timeout, or stop it if it was cancelled meanwhile. */
  void started(Task task) {
    task.markStarted();
    if (task.status() == TaskStatus.CANCELLED) {
      askToStop(task); // cancelled while /task/new was under way: now the slave has it
      return;
    }
    Flight flight = tasks.get(task.id().value());
    if (flight == null || flight.task != task) {
      return; // final already (reported before /task/new was answered): nothing to watch
    }
    flight.lastProgressNanos = System.nanoTime(); // a lease counts from here
    armTimeout(flight);
    armLease(flight, task.leaseOrNull());
  }

  /**
   * {@code task} did not start. Its id is remembered all the same: if the slave did get it after
   * all, its report is then acknowledged (a failure answer would break a reference slave).
   */
  void startFailed(Task task, String message) {
    boolean taken = take(task);
    task.markStartFailed(message, taken ? ended(task) : null);
  }

  /** Hands the slave's report to its task; returns false if no task in flight has that id. */
  boolean report(String taskId, boolean completed, Map<String, Object> result) {
    Flight flight = tasks.get(taskId);
    if (flight == null || !take(flight.task)) {
      return false;
    }
    Task task = flight.task;
    tellHeldProgress(task); // the last progress before the result, as the slave sent them
    if (completed) {
      task.finish(TaskStatus.COMPLETED, result, null, ended(task));
    } else {
      task.finish(TaskStatus.FAILED, result, new TaskFailure(TaskFailure.Reason.SLAVE_FAILED, "the slave reported a failure"),
          ended(task));
    }
    return true;
  }

  /**
   * The slave reported progress of task {@code taskId}; returns false if no task in flight has that
   * id. Tells the connection's listeners (the scheduler), then the task's own callbacks.
   */
  boolean progress(String taskId, Map<String, Object> update) {
    Flight flight = tasks.get(taskId);
    if (flight == null) {
      return false;
    }
    Task task = flight.task;
    Task.ProgressTurn turn = task.progress(java.util.Collections.unmodifiableMap(update));
    if (turn != Task.ProgressTurn.IGNORED) {
      flight.lastProgressNanos = System.nanoTime(); // the lease is renewed at once, told or held
    }
    switch (turn) {
      case TOLD -> context.events().attemptProgress(connection, task, update);
      case HELD_FIRST -> {
        try {
          context.timer().schedule(() -> tellHeldProgress(task), task.nanosToProgressTurn(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
          // The master is shutting down: the held progress goes with it.
        }
      }
      case HELD, IGNORED -> { }
    }
    return true;
  }

  /** Tells the connection's listeners of {@code task}'s held progress, if any ({@link Task#PROGRESS_INTERVAL}). */
  private void tellHeldProgress(Task task) {
    Map<String, Object> held = task.tellHeldProgress();
    if (held != null) {
      context.events().attemptProgress(connection, task, held);
    }
  }

  /** Cancels {@code task}; see {@link Task#cancel()}. */
  boolean cancel(Task task) {
    // Taken out of flight first, so that the event comes before the callbacks; a task still IDLE
    // or already final was not in flight.
    boolean taken = take(task);
    TaskStatus before = task.finish(TaskStatus.CANCELLED, Map.of("cancelled", true),
        new TaskFailure(TaskFailure.Reason.CANCELLED, "cancelled by the caller"), taken ? ended(task) : null);
    if (before == null) {
      return false;
    }
    // While STARTING, started() asks the slave once /task/new has been answered.
    if (before == TaskStatus.STARTED) {
      askToStop(task);
    }
    return true;
  }

  /** Fails every task in flight with {@code reason}: their connection ended. */
  void endAll(TaskFailure.Reason reason, String why) {
    String error = reason == TaskFailure.Reason.SHUTDOWN ? "shutdown" : "connection-lost";
    List<Flight> orphans = List.copyOf(tasks.values());
    int failed = 0;
    for (Flight orphan : orphans) {
      Task task = orphan.task;
      if (take(task)) {
        failed++;
        task.finish(TaskStatus.FAILED, TaskFailure.result(error, connection.name()),
            new TaskFailure(reason, "connection " + connection.name() + " " + why), ended(task));
      }
    }
    log.info("Connection {} to {} ended ({}); {} task(s) in flight failed", connection.name(),
        connection.slaveAddress(), why, failed);
  }

  /** What tells the dispatcher that {@code task}'s attempt ended, once it is final. */
  private Runnable ended(Task task) {
    return () -> context.events().attemptEnded(connection, task);
  }

  /** Takes {@code task} out of flight, stops its timers and remembers its id; true for exactly one caller. */
  private boolean take(Task task) {
    String id = task.id().value();
    Flight flight = tasks.get(id);
    if (flight == null || flight.task != task || !tasks.remove(id, flight)) {
      return false;
    }
    flight.stopTimers();
    context.connections().rememberEnded(id);
    return true;
  }

  /** Whether {@code flight} is still in flight; a timer armed for one that left meanwhile is stopped. */
  private boolean stillInFlight(Flight flight, ScheduledFuture<?> armed) {
    if (tasks.get(flight.task.id().value()) == flight) {
      return true;
    }
    armed.cancel(false); // taken out while it was armed: take() may have missed it
    return false;
  }

  private void armTimeout(Flight flight) {
    Task task = flight.task;
    Duration timeout = task.timeoutOrNull() != null ? task.timeoutOrNull() : connection.taskTimeout();
    if (!timeout.isZero()) {
      try {
        ScheduledFuture<?> armed = context.timer().schedule(() -> timeOut(task, timeout), timeout.toNanos(), TimeUnit.NANOSECONDS);
        flight.timeout = armed;
        stillInFlight(flight, armed);
      } catch (RejectedExecutionException shuttingDown) {
        // The master is shutting down: the shutdown ends this task.
      }
    }
  }

  /** Checks the lease of {@code flight} when it may have run out: from its start, then from each progress. */
  private void armLease(Flight flight, Duration lease) {
    if (lease == null) {
      return;
    }
    long dueNanos = flight.lastProgressNanos + lease.toNanos() - System.nanoTime();
    try {
      ScheduledFuture<?> armed = context.timer().schedule(() -> checkLease(flight, lease), Math.max(0, dueNanos), TimeUnit.NANOSECONDS);
      flight.lease = armed;
      stillInFlight(flight, armed);
    } catch (RejectedExecutionException shuttingDown) {
      // The master is shutting down: its shutdown ends this task.
    }
  }

  private void checkLease(Flight flight, Duration lease) {
    Task task = flight.task;
    if (tasks.get(task.id().value()) != flight) {
      return; // left flight meanwhile: final, or about to be
    }
    if (System.nanoTime() - flight.lastProgressNanos < lease.toNanos()) {
      armLease(flight, lease); // progress came meanwhile: the lease runs from it
      return;
    }
    if (endStuck(task, "stalled", new TaskFailure(TaskFailure.Reason.STALLED,
        "no progress reported within its lease of " + lease.toMillis() + " ms"))) {
      log.info("Task {} on {} stalled: no progress within its lease of {} ms", task.id(), connection.name(), lease.toMillis());
    }
  }

  private void timeOut(Task task, Duration timeout) {
    if (endStuck(task, "timeout", new TaskFailure(TaskFailure.Reason.TIMEOUT, "not final within " + timeout.toMillis() + " ms"))) {
      log.info("Task {} on {} timed out after {} ms", task.id(), connection.name(), timeout.toMillis());
    }
  }

  /**
   * Fails {@code task}, which the master gave up on (timed out, stalled), with result {@code {"error":
   * error, "connection": NAME}} and asks its slave to stop it; returns whether this call ended it.
   */
  private boolean endStuck(Task task, String error, TaskFailure why) {
    if (!take(task)) {
      return false;
    }
    if (task.finish(TaskStatus.FAILED, TaskFailure.result(error, connection.name()), why, ended(task)) == null) {
      return false;
    }
    askToStop(task);
    return true;
  }

  /** Asks a slave that announced {@code cancel} to stop {@code task}, off the caller's thread; best effort. */
  private void askToStop(Task task) {
    if (!connection.extensions().contains(Extensions.CANCEL) || !connection.isConnected()) {
      return;
    }
    try {
      context.background().execute(() -> {
        try {
          connection.sendToSlave("POST", "/task/cancel", new CancelRequest(new TaskRef(task.id().value())));
        } catch (IOException | RuntimeException e) {
          log.warn("Could not ask {} to stop task {}: {}", connection.name(), task.id(), e.toString());
        }
      });
    } catch (RejectedExecutionException shuttingDown) {
      log.info("Not asking {} to stop task {}: the master is shutting down", connection.name(), task.id());
    }
  }
}
