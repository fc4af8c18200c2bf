package dev.taskwire.master.scheduler;

import dev.taskwire.master.TaskFailure;
import dev.taskwire.master.TaskFailure.Reason;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

/**
 * Takes up what a durable store read back at start, before the scheduler takes any call: a handle
 * for every job (final ones already complete, with their result), the deadlines and queue timeouts
 * of those not final armed anew, and for each job that was RUNNING a wait of the adoption window: a
 * slave that still runs its attempt claims it within that (its connection is made again, or it
 * joins); an attempt nobody claims ends LOST and the job is retried, as after any lost slave.
 *
 * <p>Combined jobs whose function has not run: one given as code fails (the code was in the
 * process that stopped); one kept by name waits for its upstreams as before, and the program has
 * the same adoption window to register its names again ({@link Combiners}): one that is ready
 * (now, or within the window) runs once its name is registered, and fails if it is not by then.
 */
final class Restart {
  private final Object lock;
  private final Outcomes outcomes;
  private final Dispatch dispatch;
  private final JobTimers timers;
  private final Function<JobRecord, Job> handles;
  private final Orphans orphans;
  private final Combiners combiners;

  Restart(Object lock, Outcomes outcomes, Dispatch dispatch, JobTimers timers, Function<JobRecord, Job> handles,
      Orphans orphans, Combiners combiners) {
    this.combiners = combiners;
    this.orphans = orphans;
    this.lock = lock;
    this.outcomes = outcomes;
    this.dispatch = dispatch;
    this.timers = timers;
    this.handles = handles;
  }

  /** Takes up {@code restored} and the group limits kept ({@code limits}); orphans and names wait {@code adoptionWindow}. */
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
      combiners.openWindow();
      for (JobRecord combined : restored.combined()) {
        if (combined.combinerName == null) {
          outcomes.end(combined, Ending.failed(Map.of("error", "combine-not-kept"), new TaskFailure(Reason.COMBINE_FAILED,
              "its combine function was code in the master's process, which a restart does not keep (a combiner"
                  + " registered by name is kept)")), effects);
        } else if (combined.upstreamsLeft == 0) {
          combiners.park(combined, DependencyGraph.results(combined)); // ready: its name is registered again, or not
        }
      }
      timers.schedule(() -> registrationOver(adoptionWindow), adoptionWindow);
      for (JobRecord running : restored.running()) {
        String taskId = running.lastAttempt().taskId();
        orphans.add(running);
        timers.schedule(() -> orphanLost(running, taskId), adoptionWindow);
      }
    }
    effects.run();
  }

  /** The adoption window passed: the named combined jobs still waiting for their name fail. */
  private void registrationOver(Duration window) {
    Effects effects = new Effects();
    synchronized (lock) {
      for (JobRecord job : combiners.closeWindow()) {
        outcomes.end(job, Combiners.notRegistered(job, window), effects);
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
