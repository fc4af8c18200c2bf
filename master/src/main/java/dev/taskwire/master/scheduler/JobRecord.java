package dev.taskwire.master.scheduler;

import dev.taskwire.master.TaskFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The scheduler's bookkeeping of one job, behind the {@link Job} handle its caller holds (OkHttp's
 * {@code RealCall} behind its {@code Call}): where the job is in its life, its attempts, its edges
 * in the dependency graph, its place in the queue, its outcome.
 *
 * <p>Only the {@link JobStore} changes it (with the queue and the dependency graph it keeps), each
 * change one call; the other duties read it. All under the scheduler's lock; {@link #status} is
 * volatile so that a handle can tell it without the lock.
 */
final class JobRecord {
  final String id;
  final Map<String, Object> data;
  final JobOptions options;
  /** The order of submission: the older of two queue heads goes first. */
  final long seq;
  final long submittedAtMillis;
  /** A combined job's function, given as code; null for any other job, and for one kept by name. */
  final Combiner combiner;
  /** The name of a combined job's function, registered with the scheduler; null unless kept by name. */
  final String combinerName;
  /** A combined job: one of the two above, or, read back from a store, neither if it was given as code. */
  final boolean combined;
  /** A combined job whose combination is sent to a slave as its data. */
  final boolean combineAsTask;
  /** The caller's handle; set once, when it is made (null for a record made alone, in a test). */
  Job handle;

  volatile JobStatus status = JobStatus.QUEUED;
  /** What attempts send: data, with upstream results passed in; null while WAITING. */
  Map<String, Object> sentData;
  /** The ids of the jobs submitted to run after this one; null until one is. */
  List<String> downstreamIds;
  /** The jobs of options().after(), in order, until this job is final. */
  List<JobRecord> upstreams;
  /** The downstreams that were waiting on this job, until it is final. */
  List<JobRecord> pendingDownstreams;
  /** Upstreams not yet completed. */
  int upstreamsLeft;
  /** Its attempts, the first first; null until the first dispatch. */
  List<Attempt> attempts;
  /** The fleet entry ({@link FleetSlots.Entry#serial}) its last ended attempt ran on, avoided by a retry; 0 for none. */
  long lastSlot;
  /** In the queue's lanes (not waiting for its upstreams, nor a backoff). */
  boolean inQueue;
  /** Waiting for the backoff before a retry. */
  boolean backingOff;
  /**
   * Accepted, but its submit is not on disk yet: the dispatch leaves it (and its lane) alone until
   * it is, since a submit the store cannot write is cancelled and must not have run anywhere.
   */
  boolean unstored;
  Map<String, Object> result;
  TaskFailure failure;
  long finishedAtMillis;

  /** A combined job whose function is {@code combiner}, code in this process. */
  JobRecord(String id, Map<String, Object> data, JobOptions options, long seq, Combiner combiner, boolean combineAsTask) {
    this(id, data, options, seq, System.currentTimeMillis(), combiner, null, true, combineAsTask);
  }

  /** A combined job whose function is the one registered as {@code combinerName}, looked up when it runs. */
  JobRecord(String id, Map<String, Object> data, JobOptions options, long seq, String combinerName,
      boolean combineAsTask) {
    this(id, data, options, seq, System.currentTimeMillis(), null, combinerName, true, combineAsTask);
  }

  /**
   * A record read back from a store: submitted at {@code submittedAtMillis}; if {@code combined},
   * by the name {@code combinerName}, or (null) with a function that the process which stopped held.
   */
  JobRecord(String id, Map<String, Object> data, JobOptions options, long seq, long submittedAtMillis,
      boolean combined, String combinerName, boolean combineAsTask) {
    this(id, data, options, seq, submittedAtMillis, null, combinerName, combined, combineAsTask);
  }

  private JobRecord(String id, Map<String, Object> data, JobOptions options, long seq, long submittedAtMillis,
      Combiner combiner, String combinerName, boolean combined, boolean combineAsTask) {
    this.submittedAtMillis = submittedAtMillis;
    this.id = id;
    this.data = data;
    this.options = options;
    this.seq = seq;
    this.combiner = combiner;
    this.combinerName = combinerName;
    this.combined = combined;
    this.combineAsTask = combineAsTask;
    this.sentData = data;
  }

  /** A job that is not a combined one. */
  JobRecord(String id, Map<String, Object> data, JobOptions options, long seq) {
    this(id, data, options, seq, System.currentTimeMillis(), null, null, false, false);
  }

  /** The key a downstream nests this job's result under: its name, or its id. */
  String key() {
    return options.name() != null ? options.name() : id;
  }

  int attemptCount() {
    return attempts == null ? 0 : attempts.size();
  }

  Attempt attempt(int number) {
    return attempts.get(number - 1);
  }

  Attempt lastAttempt() {
    return attempts == null || attempts.isEmpty() ? null : attempts.get(attempts.size() - 1);
  }

  /** Whether {@code taskId} is the wire id of this job's current attempt: the one that may end it. */
  boolean isCurrent(String taskId) {
    Attempt last = lastAttempt();
    return status == JobStatus.RUNNING && last != null && last.taskId().equals(taskId);
  }

  void addAttempt(Attempt attempt) {
    if (attempts == null) {
      attempts = new ArrayList<>(2);
    }
    attempts.add(attempt);
  }

  @Override
  public String toString() {
    return "JobRecord{" + id + ", " + status + "}";
  }
}
