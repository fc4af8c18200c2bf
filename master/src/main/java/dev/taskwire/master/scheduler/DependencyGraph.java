package dev.taskwire.master.scheduler;

import dev.taskwire.common.util.LogSafe;
import dev.taskwire.master.TaskFailure;
import dev.taskwire.master.TaskFailure.Reason;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rules of jobs that run {@link JobOptions#after() after} others, over their records: which
 * upstreams a job may name, the edges a submit adds, the data a job gets from its upstreams'
 * results, and what a job's end spreads to. The store applies them within its calls, so that a
 * job's end and what it spreads to are one change.
 *
 * <p>A completed job counts down its downstreams, and queues those it was the last upstream of;
 * one a caller cancelled cancels its downstreams, and, if it is a combined job, those of its
 * upstreams no other job not final needs; one that ended otherwise fails its downstreams with
 * UPSTREAM_FAILED. Each edge is settled once, by a work list, not by recursion: a chain may be
 * 10,000 long.
 */
final class DependencyGraph {
  /** What {@link #settle} asks of the store: to end one job alone, and to queue one whose upstreams all completed. */
  interface Steps {
    /** Ends {@code job} alone as {@code ending} unless it is final; whether this call ended it. */
    boolean endOne(JobRecord job, Ending ending, Changes changes);

    /** Every upstream of {@code job}, WAITING, has completed. */
    void ready(JobRecord job, Changes changes);
  }

  private DependencyGraph() {}

  /** The jobs {@code options} runs after, as {@code store} has them, each known and not failed or cancelled. */
  static List<JobRecord> upstreamsOf(JobStore store, JobOptions options) {
    List<String> ids = options.after();
    if (ids.isEmpty()) {
      return List.of();
    }
    List<JobRecord> upstreams = new ArrayList<>(ids.size());
    Set<String> keys = new HashSet<>();
    for (String id : ids) {
      JobRecord upstream = store.get(id);
      if (upstream == null) {
        throw new IllegalArgumentException("unknown upstream job " + LogSafe.escape(id) + ": never submitted to this"
            + " master, or already forgotten (the last " + store.historyCapacity() + " final jobs are kept)");
      }
      JobStatus status = upstream.status;
      if (status == JobStatus.FAILED || status == JobStatus.CANCELLED) {
        throw new IllegalArgumentException("upstream job " + id + " already ended " + status
            + ": a job after it could never run");
      }
      if (options.passing() == Passing.NEST && !keys.add(upstream.key())) {
        throw new IllegalArgumentException("two upstreams share the key \"" + upstream.key()
            + "\" their results would be nested under: give them different names");
      }
      upstreams.add(upstream);
    }
    return upstreams;
  }

  /** Links {@code job}, WAITING, to {@code upstreams}; returns how many of them have not completed. */
  static int link(JobRecord job, List<JobRecord> upstreams) {
    job.upstreams = upstreams;
    int left = 0;
    for (JobRecord upstream : upstreams) {
      if (upstream.status == JobStatus.COMPLETED) {
        noteDownstream(upstream, job);
      } else {
        if (upstream.pendingDownstreams == null) {
          upstream.pendingDownstreams = new ArrayList<>(2);
        }
        upstream.pendingDownstreams.add(job);
        noteDownstream(upstream, job);
        left++;
      }
    }
    job.upstreamsLeft = left;
    return left;
  }

  /** The results of {@code job}'s upstreams, in order. */
  static List<Map<String, Object>> results(JobRecord job) {
    List<Map<String, Object>> results = new ArrayList<>(job.upstreams.size());
    for (JobRecord upstream : job.upstreams) {
      results.add(upstream.result);
    }
    return results;
  }

  /** The data {@code job}'s attempts send: its own, with {@code results} passed in as its passing mode says. */
  static Map<String, Object> sentData(JobRecord job, List<Map<String, Object>> results) {
    List<String> keys = List.of();
    if (job.options.passing() == Passing.NEST) {
      keys = new ArrayList<>(job.upstreams.size());
      for (JobRecord upstream : job.upstreams) {
        keys.add(upstream.key());
      }
    }
    return job.options.passing().apply(job.data, keys, results);
  }

  /**
   * {@code first} just ended as {@code ending}: tells the jobs that depend on it, and theirs in
   * turn (see the class comment). Returns how many jobs it ended.
   */
  static int settle(JobRecord first, Ending ending, Steps steps, Changes changes) {
    record Ended(JobRecord job, Ending ending) {}
    int count = 0;
    ArrayDeque<Ended> work = new ArrayDeque<>();
    work.add(new Ended(first, ending));
    Ended ended;
    while ((ended = work.poll()) != null) {
      JobRecord job = ended.job();
      List<JobRecord> downstreams = job.pendingDownstreams;
      List<JobRecord> upstreams = job.upstreams;
      job.pendingDownstreams = null; // final now: nothing more to tell, and nothing kept alive
      job.upstreams = null;
      JobStatus status = ended.ending().status();
      boolean byCaller = status == JobStatus.CANCELLED && ended.ending().byCaller();
      if (downstreams != null) {
        for (JobRecord downstream : downstreams) {
          if (downstream.status.isFinal()) {
            continue;
          }
          if (status == JobStatus.COMPLETED) {
            if (--downstream.upstreamsLeft == 0) {
              steps.ready(downstream, changes);
            }
            continue;
          }
          Ending spread = byCaller ? Ending.cancelledByCaller("its upstream " + job.key() + " was cancelled")
              : upstreamFailed(job, ended.ending());
          if (steps.endOne(downstream, spread, changes)) {
            count++;
            work.add(new Ended(downstream, spread));
          }
        }
      }
      if (byCaller && job.combined && upstreams != null) {
        for (JobRecord upstream : upstreams) {
          if (!upstream.status.isFinal() && !neededByOtherThan(upstream, job)) {
            Ending spread = Ending.cancelledByCaller("the combined job " + job.key() + " that needed it was cancelled");
            if (steps.endOne(upstream, spread, changes)) {
              count++;
              work.add(new Ended(upstream, spread));
            }
          }
        }
      }
    }
    return count;
  }

  /** How a downstream of {@code upstream}, which ended as {@code ending} without completing, fails. */
  private static Ending upstreamFailed(JobRecord upstream, Ending ending) {
    TaskFailure why = ending.failure();
    return Ending.failed(Map.of("error", "upstream-failed", "upstream", upstream.id),
        new TaskFailure(Reason.UPSTREAM_FAILED, "its upstream " + upstream.key() + " ended " + ending.status()
            + (why == null ? "" : " (" + why.reason() + ": " + why.message() + ")"))).stoppingAttempt();
  }

  /** Records {@code downstream} for {@link Job#downstreams()}. */
  private static void noteDownstream(JobRecord upstream, JobRecord downstream) {
    if (upstream.downstreamIds == null) {
      upstream.downstreamIds = new ArrayList<>(2);
    }
    upstream.downstreamIds.add(downstream.id);
  }

  /** Whether a downstream other than {@code except} waits on {@code upstream} and is not final. */
  private static boolean neededByOtherThan(JobRecord upstream, JobRecord except) {
    if (upstream.pendingDownstreams != null) {
      for (JobRecord downstream : upstream.pendingDownstreams) {
        if (downstream != except && !downstream.status.isFinal()) {
          return true;
        }
      }
    }
    return false;
  }
}
