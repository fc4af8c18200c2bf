package dev.taskwire.master;

import dev.taskwire.common.json.JsonSize;
import dev.taskwire.common.util.LatestValueListeners;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of a {@link Task} or a scheduler's {@code Job}, reached once: the callbacks added to it,
 * its progress and their listeners, the future that {@code join()} waits on, and the sizes of its
 * data and result as JSON. Its owner decides when it is final and seals it there (under the
 * owner's lock), then delivers it off the lock; callers use the owner's methods, not this class.
 *
 * <p>Callbacks run once each, in the order added, on {@code pool} (never under a lock); one that
 * throws is logged and the others still run. {@code onComplete} callbacks run for a completed
 * outcome, {@code onFail} ones for any other. Progress listeners and the final callbacks run in
 * order: every update offered before the seal (the latest of a burst at least) is delivered before
 * the final callbacks. A callback added after the seal runs at once on the adding thread once the
 * sealed ones have run, else right after them on {@code pool}. The future completes once the
 * callbacks have run; with none to run and nobody waiting, it completes on the delivering thread.
 *
 * @param <H> the owner, which {@code join()} returns
 */
public final class Completion<H> {
  private static final Logger log = LoggerFactory.getLogger(Completion.class);

  private final H owner;
  private final String kind;
  private final String id;
  private final Map<String, Object> data;
  private final Executor pool;
  private final CompletableFuture<H> done = new CompletableFuture<>();
  // Guarded by this (taken inside the owner's lock, never around it):
  private List<Callback> callbacks; // null until one is added, and again once sealed
  private boolean sealed;
  private boolean dropped; // sealed without an outcome: no callback ever runs
  // Null until a progress callback is added; then progress and final callbacks go through it, in order.
  private LatestValueListeners<Map<String, Object>> progressListeners;
  private volatile Map<String, Object> progress;
  private volatile Outcome outcome; // set once, at the seal
  // Sizes as JSON, measured when first asked (-1 until then) and kept: data never changes, nor a final result.
  private volatile long dataJsonBytes = -1;
  private volatile long resultJsonBytes = -1;

  private record Callback(boolean onComplete, TaskCallback callback) {}

  private record Outcome(boolean completed, Map<String, Object> result) {}

  /** What {@link #seal} took: the callbacks to run, to hand to {@link #deliver} off the lock. */
  public static final class Sealed {
    private final List<Callback> toRun;
    private final LatestValueListeners<Map<String, Object>> progressListeners;
    private final boolean dropped;

    private Sealed(List<Callback> toRun, LatestValueListeners<Map<String, Object>> progressListeners, boolean dropped) {
      this.toRun = toRun;
      this.progressListeners = progressListeners;
      this.dropped = dropped;
    }
  }

  /**
   * The completion of {@code owner}, a {@code kind} ({@code "task"}, {@code "job"}) with id {@code
   * id} as the log names it, whose callbacks get {@code data} and run on {@code pool}.
   */
  public Completion(H owner, String kind, String id, Map<String, Object> data, Executor pool) {
    this.owner = Objects.requireNonNull(owner, "owner == null");
    this.kind = Objects.requireNonNull(kind, "kind == null");
    this.id = Objects.requireNonNull(id, "id == null");
    this.data = data;
    this.pool = Objects.requireNonNull(pool, "pool == null");
  }

  /** Adds a callback for a completed outcome. */
  public void onComplete(TaskCallback callback) {
    add(new Callback(true, Objects.requireNonNull(callback, "callback == null")));
  }

  /** Adds a callback for any other outcome (failed, cancelled). */
  public void onFail(TaskCallback callback) {
    add(new Callback(false, Objects.requireNonNull(callback, "callback == null")));
  }

  /** Adds a progress callback; ignored once sealed (no progress comes after the end). */
  public void onProgress(ProgressCallback callback) {
    Objects.requireNonNull(callback, "callback == null");
    synchronized (this) {
      if (!sealed) {
        if (progressListeners == null) {
          progressListeners = new LatestValueListeners<>(pool, name());
        }
        progressListeners.add(callback::onProgress);
      }
    }
  }

  /** The latest progress kept; null if none. */
  public Map<String, Object> progress() {
    return progress;
  }

  /** Keeps {@code update} as the latest progress, and tells the progress callbacks if {@code tell}. */
  public void progress(Map<String, Object> update, boolean tell) {
    progress = update;
    if (tell) {
      tell(update);
    }
  }

  /** Tells the progress callbacks of {@code update} (or, if a delivery is queued, replaces its value). */
  public void tell(Map<String, Object> update) {
    LatestValueListeners<Map<String, Object>> listeners;
    synchronized (this) {
      listeners = progressListeners;
    }
    if (listeners != null) {
      listeners.offer(update); // ignored once the final callbacks are queued
    }
  }

  /**
   * The owner became final with {@code result} ({@code completed} or not): takes the callbacks to
   * run; call under the owner's lock, then {@link #deliver} off it. Null if already sealed.
   */
  public Sealed seal(boolean completed, Map<String, Object> result) {
    return seal(new Outcome(completed, result), false);
  }

  /**
   * The owner became final without an outcome for callbacks (a task that never started: its
   * caller was told): none runs, now or later, and {@link #deliver} only completes the future.
   */
  public Sealed sealDropped() {
    return seal(new Outcome(false, null), true);
  }

  private synchronized Sealed seal(Outcome end, boolean drop) {
    if (sealed) {
      return null;
    }
    sealed = true;
    dropped = drop;
    outcome = end;
    List<Callback> toRun = callbacks == null || drop ? List.of() : callbacks;
    callbacks = null;
    return new Sealed(toRun, drop ? null : progressListeners, drop);
  }

  /**
   * Runs the sealed callbacks, after the progress deliveries queued before, on the pool (here if
   * the pool has stopped), then completes the future; off any lock.
   */
  public void deliver(Sealed sealed) {
    if (sealed.dropped) {
      done.complete(owner);
      return;
    }
    Runnable last = () -> runAll(sealed.toRun);
    try {
      if (sealed.progressListeners != null) {
        sealed.progressListeners.finish(last);
      } else if (sealed.toRun.isEmpty() && done.getNumberOfDependents() == 0) {
        // Nothing to run and nobody waiting (a scheduler's attempt, say): no trip to the pool.
        // A callback added from now on runs on the pool all the same (add).
        done.complete(owner);
      } else {
        pool.execute(last);
      }
    } catch (RejectedExecutionException stopped) {
      last.run(); // the pool has stopped: here rather than never
    }
  }

  /** Waits until final and the callbacks have run; returns the owner. */
  public H join() throws InterruptedException {
    try {
      return done.get();
    } catch (ExecutionException e) {
      throw new AssertionError("the completion future never fails", e);
    }
  }

  /**
   * Waits at most {@code timeout} for {@link #join()}.
   *
   * @param status the owner's status now, for the message if it is not final in time
   * @throws TimeoutException if not final within {@code timeout}
   */
  public H join(Duration timeout, Supplier<?> status) throws InterruptedException, TimeoutException {
    try {
      return done.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("the completion future never fails", e);
    } catch (TimeoutException e) {
      throw new TimeoutException(name() + " not final within " + timeout.toMillis() + " ms (status " + status.get() + ")");
    }
  }

  /** A future completed with the owner once it is final and its callbacks have run. */
  public CompletableFuture<H> future() {
    return done.copy();
  }

  /**
   * The size of the data written as JSON, in bytes: measured on the first call and kept.
   *
   * @throws IllegalArgumentException if Jackson cannot write the data
   */
  public long dataJsonBytes() {
    long bytes = dataJsonBytes;
    if (bytes < 0) {
      bytes = JsonSize.of(data);
      dataJsonBytes = bytes;
    }
    return bytes;
  }

  /**
   * The size of the owner's {@code result} written as JSON, in bytes (4, for {@code null}, until
   * final): measured once {@code isFinal} and kept.
   *
   * @throws IllegalArgumentException if Jackson cannot write the result
   */
  public long resultJsonBytes(BooleanSupplier isFinal, Supplier<Map<String, Object>> result) {
    long bytes = resultJsonBytes;
    if (bytes >= 0) {
      return bytes;
    }
    // Final first: a final status is set with its result under the owner's lock, which result takes.
    boolean measuredFinal = isFinal.getAsBoolean();
    bytes = JsonSize.of(result.get());
    if (measuredFinal) {
      resultJsonBytes = bytes;
    }
    return bytes;
  }

  private void add(Callback callback) {
    synchronized (this) {
      if (!sealed || dropped) {
        if (!dropped) {
          if (callbacks == null) {
            callbacks = new ArrayList<>(2);
          }
          callbacks.add(callback);
        }
        return; // one added to an owner that never started never runs: its caller was told
      }
    }
    // After the callbacks already sealed: at once on this thread if they have run, else right
    // after them on the pool (never on the thread that sealed it: a report's, say).
    if (done.isDone()) {
      run(callback);
    } else {
      done.thenRunAsync(() -> run(callback), this::runOnPool);
    }
  }

  /** What the log calls the owner, e.g. {@code "task 3f2a..."}: made when needed, not kept for every one. */
  private String name() {
    return kind + " " + id;
  }

  private void runOnPool(Runnable action) {
    try {
      pool.execute(action);
    } catch (RejectedExecutionException stopped) {
      action.run(); // the pool has stopped: here rather than never
    }
  }

  private void runAll(List<Callback> toRun) {
    toRun.forEach(this::run);
    done.complete(owner);
  }

  private void run(Callback callback) {
    Outcome end = outcome; // set at the seal, before these were handed to a thread
    if (callback.onComplete() != end.completed()) {
      return;
    }
    try {
      callback.callback().accept(data, end.result());
    } catch (Exception | Error e) {
      log.error("Callback of {} {} threw; the {}'s other callbacks still run", kind, id, kind, e);
    }
  }
}
