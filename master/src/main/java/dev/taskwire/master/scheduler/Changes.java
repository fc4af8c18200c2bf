package dev.taskwire.master.scheduler;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What one call of the {@link JobStore} changed beyond recording it, in order: jobs that ended
 * (the one asked for and those it spread to), jobs that entered the queue for the first time, and
 * combined jobs whose upstreams all completed. The scheduler acts on it once the call returns
 * (events, timers, callbacks, running the combiners), still under its lock.
 */
final class Changes {
  /**
   * A job ended by the call.
   *
   * @param lastAttempt its last attempt as it was before it ended; null if it had none
   * @param wasRunning it was RUNNING: its last attempt may be in flight
   */
  record Ended(JobRecord job, Ending ending, Attempt lastAttempt, boolean wasRunning) {}

  /** A combined job whose upstreams all completed, with their results in order: its function runs now. */
  record Ready(JobRecord job, List<Map<String, Object>> results) {}

  private List<Ended> ended;
  private List<JobRecord> queued;
  private List<Ready> ready;

  void ended(JobRecord job, Ending ending, Attempt lastAttempt, boolean wasRunning) {
    if (ended == null) {
      ended = new ArrayList<>(2);
    }
    ended.add(new Ended(job, ending, lastAttempt, wasRunning));
  }

  void queued(JobRecord job) {
    if (queued == null) {
      queued = new ArrayList<>(2);
    }
    queued.add(job);
  }

  void ready(JobRecord job, List<Map<String, Object>> results) {
    if (ready == null) {
      ready = new ArrayList<>(1);
    }
    ready.add(new Ready(job, results));
  }

  List<Ended> ended() {
    return ended == null ? List.of() : ended;
  }

  List<JobRecord> queued() {
    return queued == null ? List.of() : queued;
  }

  List<Ready> ready() {
    return ready == null ? List.of() : ready;
  }
}
