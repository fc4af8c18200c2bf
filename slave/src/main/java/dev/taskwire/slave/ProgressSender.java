package dev.taskwire.slave;

import dev.taskwire.common.http.RetryPolicy;
import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.Messages.TaskRef;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.util.LogSafe;
import dev.taskwire.common.util.NamedThreads;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the progress of running tasks to the master (extension {@code progress}: {@code PUT
 * /slave/task/progress} {@code {"task": {"id"}, "progress": {...}}}), coalesced per task.
 *
 * <p>Each task has one {@link TaskProgress}, the {@link TaskContext} its processor gets. A call to
 * {@link TaskProgress#progress(Map)} only snapshots the value (as JSON bytes) into the task's one
 * pending slot, replacing what was there, and, if no send of this task is scheduled or in flight,
 * schedules one for when {@link #MIN_INTERVAL} has passed since the task's last send started. So a
 * task has at most one request in flight and starts one per {@link #MIN_INTERVAL} at most; the
 * latest value wins and values in between are dropped. After a send, a value that came meanwhile
 * is scheduled the same way.
 *
 * <p>The task's report closes its progress first ({@link TaskProgress#close()}): the pending value
 * is dropped and no send starts afterwards. A send already in flight is not waited for (reports go
 * their own way, on the report threads or the task's), so it may reach the master just after the
 * report; a master ignores progress of a task it has finished.
 *
 * <p>A send is never retried: on a transport error or a failure answer the value is dropped (the
 * next one may get through). A 404 answer (the master announced the extension but has no such
 * endpoint, or a proxy in front of it has not) stops progress on that link for good, logged once.
 * Nothing is sent to a master that did not announce {@code progress}, nor on a link that is no
 * longer live (a task of a master that announced "adopt" sends to that master's new link, if any).
 *
 * <p>Sends run on a small pool of daemon threads ({@code taskwire-slave-progress-N}, at most
 * four), whose timer also holds the waits; each request is bounded by the HTTP engine's timeouts.
 */
final class ProgressSender {
  /** The shortest time between the starts of two progress requests of one task. */
  static final Duration MIN_INTERVAL = Duration.ofMillis(100);
  /** The endpoint of the {@code progress} extension. */
  static final String PATH = "/slave/task/progress";

  private static final Logger log = LoggerFactory.getLogger(ProgressSender.class);
  private static final long MIN_INTERVAL_NANOS = MIN_INTERVAL.toNanos();

  private final MasterLinks links;
  private final ScheduledThreadPoolExecutor executor;

  ProgressSender(MasterLinks links, SlaveConfig config) {
    this.links = links;
    // Each task holds at most one scheduled or running send, so the queue is bounded by the slots.
    this.executor = new ScheduledThreadPoolExecutor(Math.min(config.slots(), 4),
        NamedThreads.numberedDaemons("taskwire-slave-progress"));
    executor.setRemoveOnCancelPolicy(true);
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    // An idle slave, or one whose masters take no progress, holds none of these threads.
    executor.setKeepAliveTime(30, TimeUnit.SECONDS);
    executor.allowCoreThreadTimeOut(true);
  }

  /** The progress of task {@code taskId}, sent to {@code link}'s master until it is closed. */
  TaskProgress open(MasterLink link, String taskId) {
    return new TaskProgress(link, taskId);
  }

  /**
   * Stops sending: drops what is pending, and waits up to {@code limit} for requests in flight
   * (less if this thread is interrupted, which stays set).
   */
  void shutdown(Duration limit) {
    executor.shutdownNow();
    try {
      if (!executor.awaitTermination(limit.toNanos(), TimeUnit.NANOSECONDS)) {
        log.warn("Progress requests still in flight after {} ms; leaving them to their timeouts", limit.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The body of {@code PUT /slave/task/progress}. */
  record ProgressBody(TaskRef task, Map<String, Object> progress) {}

  /** Whether {@code e} says the master has no progress endpoint: HTTP 404, unknown endpoint or a page that is no envelope. */
  private static boolean noEndpoint(ResponseException e) {
    return e.httpStatus() == 404 && (e.code() == 404 || e.code() == ResponseException.NO_ENVELOPE);
  }

  /** One task's progress: the context its processor reports through, and its one pending value. */
  final class TaskProgress implements TaskContext {
    private final MasterLink link;
    private final String taskId;
    private final Object lock = new Object();
    private volatile boolean closed; // written under lock; read without it on the fast path
    private byte[] pending; // guarded by lock: the latest value not yet sent, as JSON
    private boolean sending; // guarded by lock: a send is scheduled or in flight
    private long nextSendNanos = System.nanoTime(); // guarded by lock: the earliest start of the next send
    private ScheduledFuture<?> scheduled; // guarded by lock
    private boolean warned; // guarded by lock: a bad value was logged

    private TaskProgress(MasterLink link, String taskId) {
      this.link = link;
      this.taskId = taskId;
    }

    @Override
    public String taskId() {
      return taskId;
    }

    @Override
    public void progress(Map<String, Object> progress) {
      Objects.requireNonNull(progress, "progress == null");
      if (closed || !link.takesProgress()) {
        return;
      }
      byte[] snapshot;
      try {
        snapshot = Json.toBytes(progress);
      } catch (RuntimeException notJson) {
        dropBadValue(notJson.getMessage());
        return;
      }
      synchronized (lock) {
        if (closed) {
          return;
        }
        pending = snapshot;
        if (!sending) {
          sending = true;
          scheduleLocked();
        }
      }
    }

    /**
     * Ends this task's progress, before its report goes: the pending value is dropped and no
     * send starts from now on. Does not wait for a send in flight. Safe to call twice.
     */
    void close() {
      synchronized (lock) {
        closed = true;
        pending = null;
        if (scheduled != null) {
          scheduled.cancel(false);
          scheduled = null;
        }
      }
    }

    private void scheduleLocked() {
      long delay = Math.max(0, nextSendNanos - System.nanoTime());
      try {
        scheduled = executor.schedule(this::send, delay, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException shutDown) {
        closed = true;
        pending = null;
        sending = false;
      }
    }

    private void send() {
      byte[] body;
      synchronized (lock) {
        scheduled = null;
        if (closed || pending == null) {
          sending = false;
          return;
        }
        body = pending;
        pending = null;
        nextSendNanos = System.nanoTime() + MIN_INTERVAL_NANOS;
      }
      // The task's link, or, once that is lost, the live link of the same adopting master.
      MasterLink target = links.target(link);
      try {
        if (target != null && target.takesProgress()) {
          target.reportEngine().send("PUT", PATH, new ProgressBody(new TaskRef(taskId), Json.parseObject(body)),
              target.headers(), RetryPolicy.CONNECTION_REFUSED_ONLY);
        }
      } catch (ResponseException e) {
        if (noEndpoint(e)) {
          if (target.refuseProgress()) {
            log.info("{} answered 404 to a progress update; no more progress is sent to it", target);
          }
        } else {
          log.debug("Progress of task {} dropped: the master answered {}", taskId, LogSafe.escape(e.getMessage()));
        }
      } catch (IOException | RuntimeException e) {
        log.debug("Progress of task {} dropped: {}", taskId, e.toString());
      } finally {
        synchronized (lock) {
          if (closed || pending == null || !link.takesProgress()) {
            pending = null;
            sending = false;
          } else {
            scheduleLocked();
          }
        }
      }
    }

    private void dropBadValue(String why) {
      synchronized (lock) {
        if (warned) {
          return;
        }
        warned = true;
      }
      log.warn("Progress of task {} dropped: {} (further bad values of this task are not logged)", taskId, why);
    }

    @Override
    public String toString() {
      return "progress of task " + taskId;
    }
  }
}
