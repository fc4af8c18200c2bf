package dev.taskwire.master.scheduler;

import dev.taskwire.common.util.LogSafe;
import dev.taskwire.master.TaskFailure;
import dev.taskwire.master.TaskFailure.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The combine functions a program registered by name ({@link Scheduler#registerCombiner}): a
 * combined job kept by name stores the name, not code, and looks its function up here when it runs,
 * so that it outlives a restart of the master.
 *
 * <p>A restart starts with no name registered; the program registers its names again. Until the
 * restart's registration window ends ({@link #openWindow}: the adoption window), a named combined
 * job that is ready to run but whose name is not registered yet is parked here, and runs when the
 * name is registered. Once the window is over, a parked job fails, and so does one that becomes
 * ready without its name registered: with {@code COMBINE_FAILED} naming the name. Under the
 * scheduler's lock.
 */
final class Combiners {
  /** The longest name, which a failure's message and the job's document quote. */
  static final int MAX_NAME_LENGTH = 200;

  private final Map<String, Combiner> byName = new HashMap<>();
  /** Ready jobs whose name is not registered, by name, in the order they became ready. */
  private final Map<String, List<Changes.Ready>> parked = new HashMap<>();
  private final Map<JobRecord, String> parkedJobs = new IdentityHashMap<>();
  private boolean windowOpen; // after a restart, until its registration window is over

  /**
   * Registers {@code function} as {@code name}; returns the parked jobs of that name, to run now.
   *
   * @throws IllegalArgumentException if {@code name} is blank or longer than {@value #MAX_NAME_LENGTH}
   * @throws IllegalStateException if a function is registered as {@code name} already
   */
  List<Changes.Ready> register(String name, Combiner function) {
    checkName(name);
    Objects.requireNonNull(function, "function == null");
    if (byName.containsKey(name)) {
      throw new IllegalStateException("a combiner is registered as \"" + LogSafe.escape(name) + "\" already");
    }
    byName.put(name, function);
    List<Changes.Ready> waiting = parked.remove(name);
    if (waiting == null) {
      return List.of();
    }
    waiting.forEach(ready -> parkedJobs.remove(ready.job()));
    return waiting;
  }

  /**
   * Checks that {@code name} may be given to a job: registered, so that a mistyped name fails the
   * submit, not the job once its upstreams are done.
   */
  void checkRegistered(String name) {
    checkName(name);
    if (!byName.containsKey(name)) {
      throw new IllegalArgumentException("no combiner is registered as \"" + LogSafe.escape(name)
          + "\": register it first (Scheduler.registerCombiner)");
    }
  }

  /** The function registered as {@code name}; null if none is. */
  Combiner get(String name) {
    return byName.get(name);
  }

  /** A restart took place: named jobs ready without their name wait for it, until {@link #closeWindow}. */
  void openWindow() {
    windowOpen = true;
  }

  /**
   * {@code job}, ready with {@code results}, has no function registered under its name: parked
   * until it is, if the restart's window is open. False if not: the job fails ({@link #notRegistered}).
   */
  boolean park(JobRecord job, List<Map<String, Object>> results) {
    if (!windowOpen) {
      return false;
    }
    parked.computeIfAbsent(job.combinerName, name -> new ArrayList<>(1)).add(new Changes.Ready(job, results));
    parkedJobs.put(job, job.combinerName);
    return true;
  }

  /** The window is over: returns the jobs still parked, which fail now (those still WAITING). */
  List<JobRecord> closeWindow() {
    List<JobRecord> jobs = new ArrayList<>(parkedJobs.keySet());
    jobs.sort((a, b) -> Long.compare(a.seq, b.seq));
    parked.clear();
    parkedJobs.clear();
    windowOpen = false;
    return jobs;
  }

  /** Why {@code job} is not running yet, if it waits for its name to be registered; null if not. */
  String waitingFor(JobRecord job) {
    String name = job.status == JobStatus.WAITING ? parkedJobs.get(job) : null; // a parked job may have ended
    return name == null ? null : "waiting for its combiner \"" + LogSafe.escape(name) + "\" to be registered";
  }

  /**
   * How {@code job} fails when its name is not registered: at once when it becomes ready, or, if it
   * was ready at a restart, once it was waited for for {@code window} (null: not waited for).
   */
  static Ending notRegistered(JobRecord job, Duration window) {
    String why = "its combiner \"" + LogSafe.escape(job.combinerName) + "\" is not registered"
        + (window == null ? "" : " (waited " + window.toMillis() + " ms after the master's restart)");
    return Ending.failed(Map.of("error", "combine-failed", "message", why), new TaskFailure(Reason.COMBINE_FAILED, why));
  }

  private static void checkName(String name) {
    Objects.requireNonNull(name, "name == null");
    if (name.isBlank() || name.length() > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException("a combiner's name must be 1 to " + MAX_NAME_LENGTH
          + " characters, not blank: \"" + LogSafe.escape(name) + "\"");
    }
  }
}
