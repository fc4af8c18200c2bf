package dev.taskwire.master.scheduler;

import dev.taskwire.master.SlaveConnection;
import dev.taskwire.master.Task;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The attempts a restarted master read back as in flight, by wire task id, until a slave claims
 * them (extension "adopt": it lists them when it connects, or simply reports one) or the adoption
 * window ends them LOST ({@link Restart}). Under the scheduler's lock.
 */
final class Orphans {
  private final Map<String, JobRecord> byTaskId = new HashMap<>();

  /** {@code job}, RUNNING when the master stopped, waits for its last attempt to be claimed. */
  void add(JobRecord job) {
    byTaskId.put(job.lastAttempt().taskId(), job);
  }

  /**
   * The attempts still unclaimed that were sent on the connection named {@code connection}: when a
   * slave that speaks "adopt" connects again under that name and does not list one of them, it never
   * got it (the master died before its {@code /task/new} arrived), so it need not wait out the window.
   */
  List<JobRecord> unclaimedOn(String connection, Set<String> listed) {
    List<JobRecord> jobs = new ArrayList<>();
    byTaskId.forEach((taskId, job) -> {
      if (!listed.contains(taskId) && connection.equals(job.lastAttempt().connection())) {
        jobs.add(job);
      }
    });
    return jobs;
  }

  /** Forgets {@code taskId}; whether it was still unclaimed. */
  boolean remove(String taskId) {
    return byTaskId.remove(taskId) != null;
  }

  /**
   * The slave of {@code connection} still runs (or holds the result of) {@code taskId}: if that is
   * an unclaimed attempt, it becomes a task in flight on the connection, which the slave's report
   * ends as any other. Whether it was one.
   */
  boolean claim(SlaveConnection connection, String taskId, Dispatch dispatch) {
    JobRecord job = byTaskId.get(taskId);
    if (job == null) {
      return false;
    }
    if (!job.isCurrent(taskId)) {
      byTaskId.remove(taskId); // ended meanwhile (cancelled, say): nothing to take up
      return false;
    }
    FleetMember member = FleetMember.of(connection);
    if (!dispatch.isLive(member)) {
      return false;
    }
    Task task = connection.adopt(taskId, job.sentData, job.options.timeout());
    dispatch.adopt(job, member, task);
    byTaskId.remove(taskId);
    return true;
  }
}
