package dev.taskwire.slave;

import dev.taskwire.common.util.NamedThreads;
import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.SlaveErrorCode;
import dev.taskwire.common.protocol.TaskId;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks on up to {@code slots} threads and hands each outcome to the {@link Reporter}.
 *
 * <p>A slot is taken when {@code /task/new} is accepted and given back when the processor returns,
 * before the report is sent, so the master may send the next task as soon as it has the result.
 * Each task is reported exactly once: by its processor, or, if that has not returned, by a timeout
 * or the shutdown, whichever comes first. A {@link ContextualTaskProcessor} gets the task's {@link
 * ProgressSender.TaskProgress} as its context; whoever reports the task closes that first, so no
 * progress request starts after the report has.
 */
final class TaskRunner {
  private static final Logger log = LoggerFactory.getLogger(TaskRunner.class);

  private final SlaveConfig config;
  private final Reporter reporter;
  private final Adoption adoption;
  private final ProgressSender progress;
  private final Semaphore slots;
  private final ThreadPoolExecutor executor;
  private final ScheduledExecutorService timer;
  private final Map<String, RunningTask> running = new ConcurrentHashMap<>();
  /** How long shutdown waits for progress requests in flight (they are dropped, not retried). */
  private static final Duration PROGRESS_STOP_WAIT = Duration.ofSeconds(1);

  TaskRunner(SlaveConfig config, Reporter reporter, ProgressSender progress, Adoption adoption) {
    this.config = config;
    this.reporter = reporter;
    this.adoption = adoption;
    this.progress = progress;
    this.slots = new Semaphore(config.slots());
    // At most `slots` tasks are accepted at once, so the queue never holds more than that.
    this.executor = new ThreadPoolExecutor(config.slots(), config.slots(), 0, TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(config.slots()),
        NamedThreads.numbered("taskwire-slave-task", false));
    this.timer = Executors.newSingleThreadScheduledExecutor(NamedThreads.daemon("taskwire-slave-task-timer"));
  }

  /** Takes a slot if one is free. */
  boolean tryReserveSlot() {
    return slots.tryAcquire();
  }

  /** Gives back a slot taken by {@link #tryReserveSlot()} for a task that was then refused. */
  void releaseSlot() {
    slots.release();
  }

  /**
   * The ids of the tasks that {@code link}'s master sent on an earlier link of its master id
   * (extension "adopt") and that are not yet reported: they will report to {@code link}. Called by
   * {@link Adoption#held} under its lock, which every claim of a report takes too.
   */
  List<String> runningFor(MasterLink link) {
    List<String> ids = new java.util.ArrayList<>();
    for (RunningTask task : running.values()) {
      if (task.link != link && task.link.sameMaster(link) && !task.reported.get()) {
        ids.add(task.id);
      }
    }
    return ids;
  }

  /** Tasks accepted and not yet returned from the processor. */
  int running() {
    return config.slots() - slots.availablePermits();
  }

  /**
   * Runs task {@code taskId} in a slot already reserved, and reports it to {@code link}'s master.
   * On a refusal the slot is given back.
   *
   * @throws dev.taskwire.common.protocol.ResponseException 601 if a task with this id is running,
   *     101 if the slave is shutting down
   */
  void start(MasterLink link, TaskId taskId, Map<String, Object> data) {
    RunningTask task = new RunningTask(link, taskId.value(), progress.open(link, taskId.value()));
    if (running.putIfAbsent(task.id, task) != null) {
      slots.release();
      throw SlaveErrorCode.TASK_ALREADY_EXIST.exception("Task " + taskId + " already exists.");
    }
    try {
      executor.execute(() -> run(task, data));
    } catch (RejectedExecutionException shuttingDown) {
      running.remove(task.id, task);
      slots.release();
      throw SlaveErrorCode.SYSTEM_SHUTTING_DOWN.exception("System has already been shutting down.");
    }
    if (!config.taskTimeout().isZero()) {
      String message = "task ran longer than " + config.taskTimeout().toMillis() + " ms";
      task.timeout = timer.schedule(() -> stop(task, errorResult("timeout", message), message),
          config.taskTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private void run(RunningTask task, Map<String, Object> data) {
    boolean completed = false;
    boolean claimed = false;
    Map<String, Object> result;
    task.begin(Thread.currentThread());
    try {
      if (task.reported.get()) {
        return; // stopped (cancelled, timed out) while it waited for this thread: already reported
      }
      Map<String, Object> returned = config.processor() instanceof ContextualTaskProcessor contextual
          ? contextual.process(task.progress, data)
          : config.processor().process(data);
      // Made plain JSON here, so that a result Jackson cannot write fails this task visibly
      // instead of breaking its report later.
      result = returned == null ? Map.of() : Json.normalize(returned);
      completed = true;
    } catch (TaskFail fail) {
      result = fail.result();
      log.debug("Task {} failed: {}", task.id, fail.getMessage());
    } catch (Exception | Error e) {
      result = errorResult(e.getClass().getName(), e.getMessage() == null ? e.getClass().getName() : e.getMessage());
      if (!task.reported.get()) {
        log.warn("Task {} threw {}", task.id, e.toString(), e);
      }
    } finally {
      task.end();
      if (task.timeout != null) {
        task.timeout.cancel(false);
      }
      // Claimed before the task leaves `running`: a master connecting meanwhile sees it as running
      // or as a result under way (Adoption), never as neither.
      claimed = claim(task);
      running.remove(task.id, task);
      slots.release();
      // Clear an interrupt aimed at this task so it cannot leak into the next one on this thread.
      Thread.interrupted();
    }
    if (claimed) {
      task.progress.close();
      reporter.reportNow(task.link, task.id, completed, result);
    } else {
      log.warn("Task {} returned after it was reported stopped; its {} result is dropped", task.id,
          completed ? "completed" : "failed");
    }
  }

  /** True for exactly one caller: the one that reports {@code task}, after closing its progress. */
  private boolean claim(RunningTask task) {
    return adoption.claim(task.link, task.id, task::claimReport);
  }

  /**
   * Stops task {@code taskId} if it runs here (extension "cancel"): reports it failed with {@code
   * {"cancelled": true}} and interrupts its processor (an {@code --exec} process is killed). Its
   * slot is free once the processor returns. Returns whether it was running.
   */
  boolean cancel(TaskId taskId) {
    RunningTask task = running.get(taskId.value());
    if (task == null) {
      return false;
    }
    stop(task, Map.of("cancelled", true), "cancelled by the master");
    return true;
  }

  /** Reports {@code task} failed with {@code result} and interrupts its processor. */
  private void stop(RunningTask task, Map<String, Object> result, String why) {
    if (claim(task)) {
      task.progress.close();
      log.warn("Task {} stopped: {}", task.id, why);
      reporter.report(task.link, task.id, false, result);
    }
    task.interrupt();
  }

  /**
   * Lets running tasks finish for up to {@code grace}, then interrupts the rest and reports them
   * failed, then waits (bounded) for the reports to go out.
   */
  void shutdown(Duration grace) {
    executor.shutdown();
    timer.shutdownNow();
    try {
      if (!executor.awaitTermination(grace.toNanos(), TimeUnit.NANOSECONDS)) {
        List<RunningTask> left = List.copyOf(running.values());
        log.warn("Grace period over; interrupting {} task(s)", left.size());
        for (RunningTask task : left) {
          String message = "the slave shut down before the task finished";
          stop(task, errorResult("shutdown", message), message);
        }
        executor.shutdownNow();
        if (!executor.awaitTermination(1, TimeUnit.SECONDS)) {
          log.warn("{} task thread(s) ignored interruption; leaving them behind", executor.getActiveCount());
        }
      }
      if (!reporter.drain(Reporter.MAX_BACKOFF.multipliedBy(3))) {
        log.warn("Reports still pending at shutdown; they are logged if they fail");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      executor.shutdownNow();
    }
    progress.shutdown(PROGRESS_STOP_WAIT);
  }

  static Map<String, Object> errorResult(String error, String message) {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("error", error);
    result.put("message", message);
    return result;
  }

  /** A task between acceptance and the return of its processor. */
  private static final class RunningTask {
    final MasterLink link;
    final String id;
    final ProgressSender.TaskProgress progress;
    final AtomicBoolean reported = new AtomicBoolean();
    volatile java.util.concurrent.ScheduledFuture<?> timeout;
    private Thread thread; // guarded by this: the thread running the processor, while it does
    private boolean ended; // guarded by this

    synchronized void begin(Thread runner) {
      thread = runner;
    }

    /** After this, {@link #interrupt()} no longer reaches the thread, which moves on to other tasks. */
    synchronized void end() {
      ended = true;
      thread = null;
    }

    /** Interrupts the processor if it is running; one that has not begun sees {@code reported} and skips. */
    synchronized void interrupt() {
      if (!ended && thread != null) {
        thread.interrupt();
      }
    }

    RunningTask(MasterLink link, String id, ProgressSender.TaskProgress progress) {
      this.link = link;
      this.id = id;
      this.progress = progress;
    }

    /** True for exactly one caller: the one that reports this task, after closing its progress. */
    boolean claimReport() {
      return reported.compareAndSet(false, true);
    }
  }
}
