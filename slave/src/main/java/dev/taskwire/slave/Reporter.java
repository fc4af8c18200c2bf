package dev.taskwire.slave;

import dev.taskwire.common.util.ThreadPools;
import dev.taskwire.common.http.RetryPolicy;
import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.Extensions;
import dev.taskwire.common.protocol.Messages.TaskRef;
import dev.taskwire.common.protocol.Messages.TaskReport;
import dev.taskwire.common.protocol.CommonErrorCode;
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
 * <p>A report that cannot be delivered is logged at error level with its task id and result.
 */
final class Reporter {
  /** The longest wait between two attempts of one report. */
  static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

  private static final Logger log = LoggerFactory.getLogger(Reporter.class);

  private final MasterLinks links;
  private final SlaveConfig config;
  private final ThreadPoolExecutor executor;

  Reporter(MasterLinks links, SlaveConfig config) {
    this.links = links;
    this.config = config;
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
    try {
      send(link, taskId, completed, result, RetryPolicy.ANY_TRANSPORT_ERROR);
    } catch (ResponseException e) {
      if (completed && tooLarge(e)) {
        report(link, taskId, false, resultTooLarge(e));
      } else if (busy(e) && link.masterSupports(Extensions.IDEMPOTENT_REPORTS)) {
        report(link, taskId, completed, result);
      } else {
        giveUp(taskId, completed, result, "the master answered " + e.getMessage());
      }
    } catch (RuntimeException e) {
      giveUp(taskId, completed, result, "it could not be sent: " + e);
    } catch (IOException e) {
      boolean idempotent = link.masterSupports(Extensions.IDEMPOTENT_REPORTS);
      if (idempotent || (RetryPolicy.surelyNotSent(e) && config.requestRetries() > 0)) {
        report(link, taskId, completed, result);
      } else {
        giveUp(taskId, completed, result, "transport error " + e);
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
      executor.execute(() -> deliver(link, taskId, completed, result));
    } catch (RejectedExecutionException e) {
      giveUp(taskId, completed, result, "the slave already stopped reporting");
    }
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

  private void deliver(MasterLink link, String taskId, boolean completed, Map<String, Object> result) {
    boolean idempotent = link.masterSupports(Extensions.IDEMPOTENT_REPORTS);
    RetryPolicy policy = idempotent ? RetryPolicy.ANY_TRANSPORT_ERROR : RetryPolicy.CONNECTION_REFUSED_ONLY;
    Duration backoff = config.retryWait();
    for (int attempt = 0; ; attempt++) {
      Exception failure;
      try {
        send(link, taskId, completed, result, policy);
        return;
      } catch (ResponseException e) {
        if (completed && tooLarge(e)) {
          // The master will never take this result: fail the task instead of leaving it running.
          completed = false;
          result = resultTooLarge(e);
          continue;
        }
        if (!busy(e) || !idempotent) {
          giveUp(taskId, completed, result, "the master answered " + e.getMessage());
          return;
        }
        failure = e; // a Taskwire master that is busy reading other bodies: try again later
      } catch (RuntimeException e) {
        giveUp(taskId, completed, result, "it could not be sent: " + e);
        return;
      } catch (IOException e) {
        boolean mayRetry = idempotent || (RetryPolicy.surelyNotSent(e) && attempt < config.requestRetries());
        if (!mayRetry) {
          giveUp(taskId, completed, result, "transport error " + e);
          return;
        }
        failure = e;
      }
      if (!links.isLive(link)) {
        giveUp(taskId, completed, result, "the connection was lost (" + failure + ")");
        return;
      }
      log.debug("Report of task {} failed ({}); retrying in {} ms", taskId, failure, backoff.toMillis());
      if (!sleep(backoff)) {
        giveUp(taskId, completed, result, "interrupted while retrying");
        return;
      }
      backoff = nextBackoff(backoff);
    }
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
    String text;
    try {
      text = Json.toString(result);
    } catch (RuntimeException notJson) {
      text = String.valueOf(result);
    }
    log.error("Report of task {} could not be delivered, {}; {} result: {}",
        taskId, why, completed ? "completed" : "failed", text);
  }
}
