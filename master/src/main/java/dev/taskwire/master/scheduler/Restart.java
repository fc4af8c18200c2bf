package dev.taskwire.master.scheduler;

import dev.taskwire.master.TaskFailure;
import dev.taskwire.master.TaskFailure.Reason;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

/**
 * Takes up what a durable store read back at start, before the scheduler takes any call: a handle
 * for every job (final ones already complete, with their result), the deadlines and queue timeouts
 * of those not final armed anew, combined jobs ended (their function was code in the process that
 * stopped), and for each job that was RUNNING a wait of the adoption window: a slave that still
 * runs its attempt claims it within that (its connection is made again, or it joins); an attempt
 * nobody claims ends LOST and the job is retried, as after any lost slave.
 */
final class Restart {
  private final Object lock;
  private final Outcomes outcomes;
  private final Dispatch dispatch;
  private final JobTimers timers;
  private final Function<JobRecord, Job> handles;
  private final Orphans orphans;

  Restart(Object lock, Outcomes outcomes, Dispatch dispatch, JobTimers timers, Function<JobRecord, Job> handles,
      Orphans orphans) {
    this.orphans = orphans;
    this.lock = lock;
    this.outcomes = outcomes;
    this.dispatch = dispatch;
    this.timers = timers;
    this.handles = handles;
  }

  /** Takes up {@code restored} and the group limits kept ({@code limits}); orphans wait {@code adoptionWindow}. */
  void apply(DurableJobStore.Restored restored, Map<String, Integer> limits, Duration adoptionWindow) {
    Effects effects = new Effects();
    synchronized (lock) {
      limits.forEach(dispatch::limit);
      for (JobRecord record : restored.jobs()) {
        Job job = handles.apply(record);
        Map<String, Object> progress = restored.progress().get(record);
        if (progress != null) {
          job.completion().progress(progress, false);
        }
        if (record.status.isFinal()) {
          job.completion().deliver(job.completion().seal(record.status == JobStatus.COMPLETED, record.result));
        } else {
          outcomes.accepted(record);
        }
      }
      outcomes.apply(restored.changes(), effects);
      for (JobRecord combined : restored.combined()) {
        outcomes.end(combined, Ending.failed(Map.of("error", "combine-not-kept"), new TaskFailure(Reason.COMBINE_FAILED,
            "its combine function was code in the master's process, which a restart does not keep")), effects);
      }
      for (JobRecord running : restored.running()) {
        String taskId = running.lastAttempt().taskId();
        orphans.add(running);
        timers.schedule(() -> orphanLost(running, taskId), adoptionWindow);
      }
    }
    effects.run();
  }

  /** The adoption window passed: {@code job}'s attempt {@code taskId}, if still unclaimed, ends LOST. */
  private void orphanLost(JobRecord job, String taskId) {
    Effects effects = new Effects();
    synchronized (lock) {
      if (orphans.remove(taskId)) {
        outcomes.orphanLost(job, taskId, effects);
      }
      dispatch.promote(effects);
    }
    effects.run();
  }
}
