package dev.taskwire.master.scheduler;

import dev.taskwire.common.protocol.Labels;
import dev.taskwire.common.protocol.ConnectionNames;
import dev.taskwire.master.TaskFailure;
import java.time.Duration;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How the scheduler treats one job; immutable, made by {@link #builder()}. One instance may serve
 * any number of jobs.
 *
 * @param priority higher runs first; default 0
 * @param group the fairness group: groups at one priority take turns; default {@value #DEFAULT_GROUP}
 * @param labels the labels a connection must all have to take the job, sorted; default none
 * @param timeout each attempt's run timeout (reason TIMEOUT); zero, the default, for none
 * @param queueTimeout the longest wait before the first dispatch (reason QUEUE_TIMEOUT); zero for none
 * @param deadline the longest time from submit to a final state, across all attempts (reason
 *     DEADLINE); zero for none
 * @param maxAttempts how many attempts in all; default 3
 * @param retryOn the reasons an attempt is retried for, besides LOST and START_FAILED, which always are:
 *     SLAVE_FAILED and TIMEOUT may be added; default none
 * @param backoff the wait before a retry asked for by {@code retryOn}
 * @param name a name for the job (the rule of groups, {@link #GROUP_RULE}), its key in a
 *     downstream's {@link Passing#NEST nested} upstream results; null, the default, for none (the
 *     job's id is the key then). Names need not be unique, except among one job's upstreams.
 * @param after the ids of the jobs this one runs after (its upstreams), in order: it stays WAITING
 *     until all of them completed; each must be known to the scheduler and not failed or
 *     cancelled when this one is submitted; default none
 * @param passing how the upstreams' results reach this job's data; default {@link Passing#NEST}
 * @param lease the longest time an attempt may go without reporting progress before it ends
 *     STALLED and is retried ({@link dev.taskwire.master.Task#lease}); such a job goes only to
 *     slaves that report progress; zero, the default, for none
 */
public record JobOptions(int priority, String group, List<String> labels, Duration timeout, Duration queueTimeout,
    Duration deadline, int maxAttempts, Set<TaskFailure.Reason> retryOn, Backoff backoff, String name,
    List<String> after, Passing passing, Duration lease) {
  /** The group of jobs that name none. */
  public static final String DEFAULT_GROUP = "default";
  /** Attempts a job gets unless it says otherwise: a lost slave is survived twice. */
  public static final int DEFAULT_MAX_ATTEMPTS = 3;
  /** The most attempts a job may ask for. */
  public static final int MAX_ATTEMPTS = 100;
  /** The reasons {@link Builder#retryOn} accepts. */
  public static final Set<TaskFailure.Reason> RETRYABLE = Set.of(TaskFailure.Reason.SLAVE_FAILED, TaskFailure.Reason.TIMEOUT);
  /** The longest timeout, queue timeout, deadline or backoff: a year (longer ones overflow a timer's nanoseconds, or are typos). */
  public static final Duration MAX_DURATION = DurationBounds.MAX;
  /** The rule of group names, that of connection names (a group shows up in logs and paths too), as messages state it. */
  public static final String GROUP_RULE = "a group must be 1 to " + ConnectionNames.MAX_LENGTH
      + " characters of ASCII letters, digits and . _ - : @, starting with a letter or digit";
  /** The most upstreams one job may have. */
  public static final int MAX_UPSTREAMS = 100_000;
  /** Every default. */
  public static final JobOptions DEFAULTS = builder().build();

  public JobOptions {
    requireGroup(group);
    labels = Labels.require(labels);
    DurationBounds.check("timeout", timeout);
    DurationBounds.check("queueTimeout", queueTimeout);
    DurationBounds.check("deadline", deadline);
    if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS) {
      throw new IllegalArgumentException("maxAttempts must be 1.." + MAX_ATTEMPTS + ", got " + maxAttempts);
    }
    for (TaskFailure.Reason reason : retryOn) {
      if (!RETRYABLE.contains(reason)) {
        throw new IllegalArgumentException("retryOn takes SLAVE_FAILED and TIMEOUT, got " + reason);
      }
    }
    retryOn = Set.copyOf(retryOn);
    Objects.requireNonNull(backoff, "backoff == null");
    if (name != null && !ConnectionNames.isValid(name)) {
      throw new IllegalArgumentException(GROUP_RULE.replace("a group", "a job name") + "; got \""
          + dev.taskwire.common.util.LogSafe.escape(name) + "\"");
    }
    after = List.copyOf(after);
    if (after.size() > MAX_UPSTREAMS) {
      throw new IllegalArgumentException("a job may run after at most " + MAX_UPSTREAMS + " jobs, got " + after.size());
    }
    if (new java.util.HashSet<>(after).size() != after.size()) {
      throw new IllegalArgumentException("after names a job twice: " + after);
    }
    Objects.requireNonNull(passing, "passing == null");
    DurationBounds.check("lease", lease);
  }

  private static void requireGroup(String group) {
    Objects.requireNonNull(group, "group == null");
    if (!ConnectionNames.isValid(group)) {
      throw new IllegalArgumentException(GROUP_RULE + "; got \"" + dev.taskwire.common.util.LogSafe.escape(group) + "\"");
    }
  }

  /** A builder with every default. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these options. */
  public Builder toBuilder() {
    Builder builder = new Builder();
    builder.priority = priority;
    builder.group = group;
    builder.labels = labels;
    builder.timeout = timeout;
    builder.queueTimeout = queueTimeout;
    builder.deadline = deadline;
    builder.maxAttempts = maxAttempts;
    builder.retryOn = retryOn.isEmpty() ? EnumSet.noneOf(TaskFailure.Reason.class) : EnumSet.copyOf(retryOn);
    builder.backoff = backoff;
    builder.name = name;
    builder.after = after;
    builder.passing = passing;
    builder.lease = lease;
    return builder;
  }

  /** Builds {@link JobOptions}; each method names its default. */
  public static final class Builder {
    private int priority;
    private String group = DEFAULT_GROUP;
    private Collection<String> labels = List.of();
    private Duration timeout = Duration.ZERO;
    private Duration queueTimeout = Duration.ZERO;
    private Duration deadline = Duration.ZERO;
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Set<TaskFailure.Reason> retryOn = EnumSet.noneOf(TaskFailure.Reason.class);
    private Backoff backoff = Backoff.DEFAULT;
    private String name;
    private List<String> after = List.of();
    private Passing passing = Passing.NEST;
    private Duration lease = Duration.ZERO;

    private Builder() {}

    /** Higher runs first; if unset, 0. */
    public Builder priority(int priority) {
      this.priority = priority;
      return this;
    }

    /** The fairness group ({@link ConnectionNames#RULE}); if unset, {@value JobOptions#DEFAULT_GROUP}. */
    public Builder group(String group) {
      this.group = Objects.requireNonNull(group, "group == null");
      return this;
    }

    /** Labels a connection must all have to take the job ({@link Labels#RULE}); if unset, none. */
    public Builder labels(Collection<String> labels) {
      this.labels = List.copyOf(labels);
      return this;
    }

    /** {@link #labels(Collection)} of these. */
    public Builder labels(String... labels) {
      return labels(List.of(labels));
    }

    /** Each attempt's run timeout; if unset, none. */
    public Builder timeout(Duration timeout) {
      this.timeout = Objects.requireNonNull(timeout, "timeout == null");
      return this;
    }

    /** The longest wait before the first dispatch; if unset, none. */
    public Builder queueTimeout(Duration queueTimeout) {
      this.queueTimeout = Objects.requireNonNull(queueTimeout, "queueTimeout == null");
      return this;
    }

    /** The longest time from submit to a final state; if unset, none. */
    public Builder deadline(Duration deadline) {
      this.deadline = Objects.requireNonNull(deadline, "deadline == null");
      return this;
    }

    /** Attempts in all, 1..{@value JobOptions#MAX_ATTEMPTS}; if unset, {@value JobOptions#DEFAULT_MAX_ATTEMPTS}. */
    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    /** Also retry attempts that end with these reasons (SLAVE_FAILED, TIMEOUT), after a {@link #backoff}. */
    public Builder retryOn(TaskFailure.Reason... reasons) {
      this.retryOn = reasons.length == 0 ? EnumSet.noneOf(TaskFailure.Reason.class) : EnumSet.copyOf(List.of(reasons));
      return this;
    }

    /** The wait before a retry asked for by {@link #retryOn}; if unset, {@link Backoff#DEFAULT}. */
    public Builder backoff(Backoff backoff) {
      this.backoff = Objects.requireNonNull(backoff, "backoff == null");
      return this;
    }

    /** A name for the job, its key among a downstream's nested upstream results; if unset, none (null clears it). */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /** Runs after these jobs, in this order (see {@link JobOptions#after()}); if unset, after none. */
    public Builder after(Job... upstreams) {
      return after(List.of(upstreams));
    }

    /** {@link #after(Job...)} of these. */
    public Builder after(Collection<Job> upstreams) {
      List<String> ids = new java.util.ArrayList<>(upstreams.size());
      for (Job upstream : upstreams) {
        ids.add(upstream.id());
      }
      return afterIds(ids);
    }

    /** Runs after the jobs with these ids, in this order; the admin API's {@code dependsOn}. */
    public Builder afterIds(Collection<String> ids) {
      this.after = List.copyOf(ids);
      return this;
    }

    /** The longest an attempt may go without reporting progress (see {@link JobOptions#lease()}); if unset, none. */
    public Builder lease(Duration lease) {
      this.lease = Objects.requireNonNull(lease, "lease == null");
      return this;
    }

    /** How the upstreams' results reach the data; if unset, {@link Passing#NEST}. */
    public Builder passing(Passing passing) {
      this.passing = Objects.requireNonNull(passing, "passing == null");
      return this;
    }

    /**
     * The options.
     *
     * @throws IllegalArgumentException naming the first setting out of range
     */
    public JobOptions build() {
      return new JobOptions(priority, group, List.copyOf(labels), timeout, queueTimeout, deadline, maxAttempts, retryOn,
          backoff, name, after, passing, lease);
    }
  }
}
