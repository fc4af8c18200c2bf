package dev.taskwire.slave;

import dev.taskwire.common.util.ThreadPools;
import dev.taskwire.common.http.RetryPolicy;
import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.Extensions;
import dev.taskwire.common.protocol.Messages.TaskRef;
import dev.taskwire.common.protocol.Messages.TaskReport;
import dev.taskwire.common.protocol.CommonErrorCode;
import dev.taskwire.common.protocol.MasterErrorCode;
import dev.taskwire.common.protocol.ResponseException;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers complete/fail reports to the master, off the task threads.
 *
 * <p>A report that fails on a transport error is retried with exponential backoff (from the retry
 * wait, doubling, at most {@link #MAX_BACKOFF}):
 *
 * <ul>
 *   <li>to a master that announced idempotent reports, until it is delivered or the connection it
 *       belongs to is lost (by the heartbeat), since a duplicate is harmless there;
 *   <li>to any other master (the reference breaks on a duplicate), only when the request surely
 *       never arrived (connection refused, no route, unknown host), and {@code requestRetries}
 *       times at most.
 * </ul>
 *
 * A failure answer ends a report, except two from a Taskwire master: 429 or 408 (it was too busy
 * reading other bodies, or this one came too slowly) is retried like a transport error, and 413 to
 * a completion (the result is over the master's limit) becomes a fail report with {@code
 * {"error": "result-too-large"}}, so that the task still ends on the master.
 *
 * <p>A report that cannot be delivered is logged at error level with its task id and result; except
 * to a master that announced "adopt" ({@link MasterLink#adoptable()}): there a report whose
 * connection is lost, whose retries ran out, or that the master could not take for now (any failure
 * answer but a refusal of the report itself: {@link #keepable(ResponseException)}) is kept in the
 * {@link Outbox} for that master id instead ({@link Adoption#keep}), and a report of a lost link
 * goes to the live link of the same master id if there is one ({@link MasterLinks#target}).
 */
final class Reporter {
  /** The longest wait between two attempts of one report. */
  static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

  private static final Logger log = LoggerFactory.getLogger(Reporter.class);

  private final MasterLinks links;
  private final SlaveConfig config;
  private final Adoption adoption;
  private final ThreadPoolExecutor executor;

  /** How one report ended: delivered, or given up {@code why}; {@code completed} and {@code result} as last sent. */
  record Ending(boolean delivered, String why, boolean keepable, boolean completed, Map<String, Object> result) {
    static Ending delivered(boolean completed, Map<String, Object> result) {
      return new Ending(true, null, false, completed, result);
    }

    static Ending gaveUp(String why, boolean keepable, boolean completed, Map<String, Object> result) {
      return new Ending(false, why, keepable, completed, result);
    }
  }

  Reporter(MasterLinks links, SlaveConfig config, Adoption adoption) {
    this.links = links;
    this.config = config;
    this.adoption = adoption;
    int threads = Math.max(2, Math.min(config.slots(), 8));
    // Unbounded queue, but bounded in practice: at most one report per task, and the master sends
    // no new task while reports are stuck.
    this.executor = ThreadPools.elastic("taskwire-slave-report", threads);
  }

  /**
   * Sends the report of task {@code taskId} on the calling thread, once; if that fails, queues it
   * for retries on the report threads. The first attempt inline saves a hand-over per task.
   */
  void reportNow(MasterLink link, String taskId, boolean completed, Map<String, Object> result) {
    MasterLink target = links.target(link);
    if (target == null && link.adoptable()) {
      // Its master is away: straight to the outbox, without knocking at a door known to be shut.
      ended(link, taskId, Ending.gaveUp("the connection is lost", true, completed, result));
      return;
    }
    if (target == null) {
      target = link; // any other master: sent as it always was, live or not
    }
    try {
      send(target, taskId, completed, result, RetryPolicy.ANY_TRANSPORT_ERROR);
      ended(link, taskId, Ending.delivered(completed, result));
    } catch (ResponseException e) {
      if (completed && tooLarge(e)) {
        report(link, taskId, false, resultTooLarge(e));
      } else if (busy(e) && target.masterSupports(Extensions.IDEMPOTENT_REPORTS)) {
        report(link, taskId, completed, result);
      } else {
        ended(link, taskId, Ending.gaveUp("the master answered " + e.getMessage(), keepable(e), completed, result));
      }
    } catch (RuntimeException e) {
      ended(link, taskId, Ending.gaveUp("it could not be sent: " + e, false, completed, result));
    } catch (IOException e) {
      boolean idempotent = target.masterSupports(Extensions.IDEMPOTENT_REPORTS);
      if (idempotent || (RetryPolicy.surelyNotSent(e) && config.requestRetries() > 0)) {
        report(link, taskId, completed, result);
      } else {
        ended(link, taskId, Ending.gaveUp("transport error " + e, true, completed, result));
      }
    }
  }

  private static void send(MasterLink link, String taskId, boolean completed, Map<String, Object> result,
      RetryPolicy policy) throws IOException {
    String path = completed ? "/slave/task/complete" : "/slave/task/fail";
    link.reportEngine().send("PUT", path, new TaskReport(new TaskRef(taskId), result), link.headers(), policy);
  }

  /** Queues the report of task {@code taskId} to the master of {@code link}. */
  void report(MasterLink link, String taskId, boolean completed, Map<String, Object> result) {
    try {
      executor.execute(() -> ended(link, taskId, deliver(link, taskId, completed, result)));
    } catch (RejectedExecutionException e) {
      ended(link, taskId, Ending.gaveUp("the slave already stopped reporting", true, completed, result));
    }
  }

  /**
   * Delivers a result held in the outbox to {@code link}'s master, on the calling thread, with the
   * retries of any report; returns how it ended. The caller, which holds the result, decides what
   * becomes of it.
   */
  Ending deliverHeld(MasterLink link, String taskId, boolean completed, Map<String, Object> result) {
    return deliver(link, taskId, completed, result);
  }

  /**
   * Waits up to {@code timeout} for queued reports to be delivered (or given up), then interrupts
   * the rest, which are logged as undelivered. Returns whether all were done in time.
   */
  boolean drain(Duration timeout) throws InterruptedException {
    executor.shutdown();
    if (executor.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      return true;
    }
    executor.shutdownNow();
    executor.awaitTermination(1, TimeUnit.SECONDS);
    return false;
  }

  private Ending deliver(MasterLink link, String taskId, boolean completed, Map<String, Object> result) {
    Duration backoff = config.retryWait();
    for (int attempt = 0; ; attempt++) {
      // The report's own link, or, once that is lost, the live link of the same adopting master.
      MasterLink target = links.target(link);
      if (target == null) {
        if (link.adoptable()) {
          return Ending.gaveUp("the connection is lost", true, completed, result);
        }
        target = link; // any other master: tried as it always was; the check below ends it
      }
      boolean idempotent = target.masterSupports(Extensions.IDEMPOTENT_REPORTS);
      RetryPolicy policy = idempotent ? RetryPolicy.ANY_TRANSPORT_ERROR : RetryPolicy.CONNECTION_REFUSED_ONLY;
      Exception failure;
      try {
        send(target, taskId, completed, result, policy);
        return Ending.delivered(completed, result);
      } catch (ResponseException e) {
        if (completed && tooLarge(e)) {
          // The master will never take this result: fail the task instead of leaving it running.
          completed = false;
          result = resultTooLarge(e);
          continue;
        }
        if (!busy(e) || !idempotent) {
          return Ending.gaveUp("the master answered " + e.getMessage(), keepable(e), completed, result);
        }
        failure = e; // a Taskwire master that is busy reading other bodies: try again later
      } catch (RuntimeException e) {
        return Ending.gaveUp("it could not be sent: " + e, false, completed, result);
      } catch (IOException e) {
        boolean mayRetry = idempotent || (RetryPolicy.surelyNotSent(e) && attempt < config.requestRetries());
        if (!mayRetry) {
          return Ending.gaveUp("transport error " + e, true, completed, result);
        }
        failure = e;
      }
      if (!links.isLive(target) && links.target(link) == null) {
        return Ending.gaveUp("the connection was lost (" + failure + ")", true, completed, result);
      }
      log.debug("Report of task {} failed ({}); retrying in {} ms", taskId, failure, backoff.toMillis());
      if (!sleep(backoff)) {
        return Ending.gaveUp("interrupted while retrying", true, completed, result);
      }
      backoff = nextBackoff(backoff);
    }
  }

  /**
   * The end of one report: for a link of an adopting master, a result that may still be delivered
   * later goes to the outbox, and the held list forgets the report otherwise; for any other
   * master, an undelivered report is logged, as it always was.
   */
  private void ended(MasterLink link, String taskId, Ending ending) {
    if (ending.delivered()) {
      adoption.settled(link, taskId);
    } else if (link.adoptable() && ending.keepable()) {
      adoption.keep(link, taskId, ending.completed(), ending.result(), ending.why());
    } else {
      giveUp(taskId, ending.completed(), ending.result(), ending.why());
      adoption.settled(link, taskId);
    }
  }

  /**
   * Whether a master that announced "adopt" may take this report later: anything but its refusal
   * of the report itself (601: it has no such task, or the body is invalid; 201/202: a channel it
   * will never take), which a resend would only meet again. A 502 (its token no longer names a
   * connection), 401 (it is shutting down) or a page from a proxy in front of it is what a
   * restarting master answers.
   */
  static boolean keepable(ResponseException e) {
    int code = e.code();
    return code != MasterErrorCode.TASK_DATA_INVALID.code() && code != MasterErrorCode.CHANNEL_NOT_GIVEN.code()
        && code != MasterErrorCode.CHANNEL_INVALID.code();
  }

  /** A master's answer that the report may be sent again later: too busy reading, or it came too slowly. */
  private static boolean busy(ResponseException e) {
    return e.code() == CommonErrorCode.TOO_MANY_REQUESTS.code() || e.code() == CommonErrorCode.REQUEST_TIMEOUT.code();
  }

  private static boolean tooLarge(ResponseException e) {
    return e.code() == CommonErrorCode.BODY_TOO_LARGE.code();
  }

  private static Map<String, Object> resultTooLarge(ResponseException e) {
    return TaskRunner.errorResult("result-too-large", "the master refused the result: " + e.responseMessage());
  }

  private static Duration nextBackoff(Duration backoff) {
    Duration doubled = backoff.isZero() ? Duration.ofMillis(10) : backoff.multipliedBy(2);
    return doubled.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : doubled;
  }

  private static boolean sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static void giveUp(String taskId, boolean completed, Map<String, Object> result, String why) {
    log.error("Report of task {} could not be delivered, {}; {} result: {}",
        taskId, why, completed ? "completed" : "failed", describe(result));
  }

  /** {@code result} as JSON text for a log line, so that an undelivered result can be found there. */
  static String describe(Map<String, Object> result) {
    try {
      return Json.toString(result);
    } catch (RuntimeException notJson) {
      return String.valueOf(result);
    }
  }
}
