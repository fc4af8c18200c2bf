package dev.taskwire.master.admin;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.taskwire.common.util.Durations;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The admin API's request bodies and answer data, one record per shape of a body or an answer's
 * data: plain data, shared by the master's admin API, which reads the requests (checking each
 * value by the scheduler's own rules) and answers with the views, and {@link MasterClient}, which
 * sends the requests and reads the views. Names the scheduler gives (a status, a failure reason, an
 * event type) are strings here, as on the wire, so that a client needs nothing of the master.
 */
public final class AdminMessages {
  private AdminMessages() {}

  /** The most jobs one batch submits, or one wait waits for. */
  public static final int MAX_BATCH = 10_000;
  /** The most jobs {@code GET /api/v1/jobs} lists. */
  public static final int MAX_LIST = 10_000;
  /** The wait of a long poll that names none. */
  public static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);
  /** The longest wait of a long poll. */
  public static final Duration MAX_WAIT = Duration.ofSeconds(60);
  /**
   * The most bytes of jobs or tasks one answer holds unless the master is set otherwise (or its heap
   * is small), and what {@link MasterClient} reads at most.
   */
  public static final long DEFAULT_MAX_ANSWER_BYTES = 64L * 1024 * 1024;

  /**
   * {@code POST /api/v1/connections}: {@code {"name", "host", "port", "https", "data", "labels"}}.
   *
   * @param name the connection's name (the rule of {@code ConnectionNames})
   * @param host the slave's host
   * @param port the slave's port, 1..65535; 7236 when the request leaves it out
   * @param https whether to talk to the slave over https; null when left out (and not written):
   *     then https if the master has TLS settings, else http
   * @param data the connection data for the slave's before-connection hook; {@code {}} when left out
   * @param labels labels given on the master, for a slave that cannot announce its own; none when
   *     left out (and not written when empty)
   */
  public record ConnectRequest(String name, String host, int port,
      @JsonInclude(JsonInclude.Include.NON_NULL) Boolean https, Map<String, Object> data,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> labels) {
    /** A request without labels given on the master. */
    public ConnectRequest(String name, String host, int port, Boolean https, Map<String, Object> data) {
      this(name, host, port, https, data, List.of());
    }
  }

  /**
   * {@code POST /api/v1/connections/{name}/tasks}: {@code {"data": {...}, "timeout": "30s"}}.
   *
   * @param data the task data
   * @param timeout the task's timeout (zero: none); null, and left out of the body, for the API's
   *     default
   */
  public record SubmitRequest(Map<String, Object> data, @JsonIgnore Duration timeout) {
    /** {@code timeout} as the body carries it, e.g. {@code "30s"}. */
    @JsonProperty("timeout")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    String timeoutText() {
      return text(timeout);
    }
  }

  /**
   * A live connection, as {@code GET /api/v1/connections} lists it.
   *
   * @param name its name
   * @param slave the slave's address, e.g. {@code http://10.0.0.7:7236}
   * @param state {@code CONNECTED}, or the state it is ending in
   * @param slots tasks the slave runs at once (1 for a reference slave)
   * @param extensions the protocol extensions the slave announced
   * @param lastHeartbeatAgeMs time since the slave's last heartbeat
   * @param tasksInFlight tasks started and not final
   * @param labels the labels the scheduler routes by: given on the master and announced, sorted
   * @param freeSlots slots not taken by a task in flight
   */
  public record ConnectionView(String name, String slave, String state, int slots, List<String> extensions,
      long lastHeartbeatAgeMs, int tasksInFlight, List<String> labels, int freeSlots) {}

  /**
   * The answer to {@code POST /api/v1/connections}: the connection's fields, and {@code answer}.
   *
   * @param connection the new connection
   * @param answer the after-connect hook's value (by default the data of the slave's answer)
   */
  public record Connected(@JsonUnwrapped ConnectionView connection, Object answer) {}

  /** The answer to {@code GET /api/v1/connections}: {@code {"connections": [...]}}, by name. */
  public record ConnectionList(List<ConnectionView> connections) {}

  /** The answer to {@code POST /api/v1/connections/{name}/tasks} and {@code POST /api/v1/jobs}: {@code {"id"}}. */
  public record Submitted(String id) {}

  /**
   * A task, as {@code GET /api/v1/tasks/{id}} shows it. Times are ISO-8601 instants, null until
   * they happen.
   *
   * @param id the task id
   * @param connection the name of its connection
   * @param status its status: CREATED, STARTED, COMPLETED, FAILED, START_FAILED, CANCELLED
   * @param isFinal whether the status is final ({@code "final"} in JSON)
   * @param data the task data
   * @param result the result; null until final
   * @param failure why it did not complete; null unless it failed
   * @param createdAt when it was created
   * @param startedAt when the slave accepted it
   * @param finishedAt when it reached its final status
   * @param progress the latest progress its slave reported; null if none
   */
  @JsonPropertyOrder({"id", "connection", "status", "final", "data", "result", "failure", "createdAt", "startedAt",
      "finishedAt", "progress"})
  public record TaskView(String id, String connection, String status, @JsonProperty("final") boolean isFinal,
      Map<String, Object> data, Map<String, Object> result, Failure failure, String createdAt, String startedAt,
      String finishedAt, Map<String, Object> progress) {
    /**
     * {@code failure}: why a task, job or attempt did not complete.
     *
     * @param reason the reason's name, e.g. {@code SLAVE_FAILED}, {@code TIMEOUT}, {@code LOST}
     * @param message one line for people
     */
    public record Failure(String reason, String message) {}
  }

  /** The answer to {@code GET /api/v1/tasks}: {@code {"tasks": [...]}}, newest first. */
  public record TaskList(List<TaskView> tasks) {}

  // The scheduler's jobs.

  /**
   * The options of a job as {@code POST /api/v1/jobs} and {@code /jobs/batch} carry them, beside
   * {@code data}; each null (and left out of the body) takes the scheduler's default. Durations are
   * written like {@code "30s"}, a backoff as {@code {"initial": "1s", "multiplier": 2.0, "cap":
   * "1m"}}. Start from {@link #DEFAULTS}. The master checks each option by its rule and refuses the
   * request (400 BAD_REQUEST) naming the first one out of range.
   *
   * @param priority higher runs first
   * @param group the fairness group, named by the rule of connection names
   * @param labels the labels a connection must all have to take the job
   * @param timeout each attempt's run timeout; zero for none
   * @param queueTimeout the longest wait before the first dispatch; zero for none
   * @param deadline the longest time from submit to a final state; zero for none
   * @param attempts attempts in all, 1..100
   * @param retryOn the reasons also retried, by name: {@code SLAVE_FAILED}, {@code TIMEOUT}
   * @param backoff the wait before a retry asked for by {@code retryOn}
   * @param name the job's name, its key among a downstream's nested upstream results
   * @param dependsOn the ids of the jobs it runs after
   * @param passing how their results reach its data: {@code nest} (the default), {@code merge} or {@code none}
   * @param lease the longest an attempt may go without reporting progress; zero for none
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"priority", "group", "labels", "timeout", "queueTimeout", "deadline", "attempts", "retryOn",
      "backoff", "name", "dependsOn", "passing", "lease"})
  public record JobRequest(Integer priority, String group, List<String> labels, @JsonIgnore Duration timeout,
      @JsonIgnore Duration queueTimeout, @JsonIgnore Duration deadline, Integer attempts, List<String> retryOn,
      BackoffView backoff, String name, List<String> dependsOn, String passing, @JsonIgnore Duration lease) {
    /** Every option left to its default. */
    public static final JobRequest DEFAULTS = new JobRequest(null, null, null, null, null, null, null, null, null, null,
        null, null, null);

    public JobRequest {
      labels = labels == null ? null : List.copyOf(labels);
      retryOn = retryOn == null ? null : List.copyOf(retryOn);
      dependsOn = dependsOn == null ? null : List.copyOf(dependsOn);
    }

    /** Options of a job that depends on no other (name, dependsOn, passing and lease left to their defaults). */
    public JobRequest(Integer priority, String group, List<String> labels, Duration timeout, Duration queueTimeout,
        Duration deadline, Integer attempts, List<String> retryOn, BackoffView backoff) {
      this(priority, group, labels, timeout, queueTimeout, deadline, attempts, retryOn, backoff, null, null, null, null);
    }

    /** These options with {@code name}, {@code dependsOn} and {@code passing} as given (null: the default). */
    public JobRequest withDependencies(String name, List<String> dependsOn, String passing) {
      return new JobRequest(priority, group, labels, timeout, queueTimeout, deadline, attempts, retryOn, backoff, name,
          dependsOn, passing, lease);
    }

    /** These options with {@code lease} (null: the default, none). */
    public JobRequest withLease(Duration lease) {
      return new JobRequest(priority, group, labels, timeout, queueTimeout, deadline, attempts, retryOn, backoff, name,
          dependsOn, passing, lease);
    }

    @JsonProperty("timeout")
    String timeoutText() {
      return text(timeout);
    }

    @JsonProperty("queueTimeout")
    String queueTimeoutText() {
      return text(queueTimeout);
    }

    @JsonProperty("deadline")
    String deadlineText() {
      return text(deadline);
    }

    @JsonProperty("lease")
    String leaseText() {
      return text(lease);
    }
  }

  /**
   * A job's backoff, as a {@link JobRequest} carries it: {@code {"initial": "1s", "multiplier": 2.0,
   * "cap": "1m"}}.
   *
   * @param initial the wait before the first retry
   * @param multiplier how much each wait grows, at least 1
   * @param cap the longest wait, at least {@code initial}
   */
  @JsonPropertyOrder({"initial", "multiplier", "cap"})
  public record BackoffView(@JsonIgnore Duration initial, double multiplier, @JsonIgnore Duration cap) {
    @JsonProperty("initial")
    String initialText() {
      return text(initial);
    }

    @JsonProperty("cap")
    String capText() {
      return text(cap);
    }
  }

  /**
   * {@code POST /api/v1/jobs}: {@code {"data": {...}}} and the options of {@link JobRequest}.
   *
   * @param data the job's data (required, so that a typo such as {@code "dta"} is refused)
   * @param options its options
   */
  public record JobSubmit(Map<String, Object> data, @JsonUnwrapped JobRequest options) {}

  /**
   * {@code POST /api/v1/jobs/batch}: {@code {"data": [{...}, ...]}} (1 to {@value #MAX_BATCH}
   * objects) and the options of {@link JobRequest}, shared by every job.
   *
   * @param data one object per job, in order
   * @param options their options
   */
  public record JobBatch(List<Map<String, Object>> data, @JsonUnwrapped JobRequest options) {}

  /** The answer to {@code POST /api/v1/jobs/batch}: {@code {"ids": [...]}}, in the order of the data. */
  public record JobIds(List<String> ids) {}

  /**
   * {@code POST /api/v1/jobs/wait}: {@code {"ids": [...], "timeout": "30s"}}.
   *
   * @param ids the jobs to wait for, 1 to {@value #MAX_BATCH}, none twice
   * @param timeout the longest wait ({@link #MAX_WAIT} at most); null, and left out, for {@link #DEFAULT_WAIT}
   */
  public record WaitRequest(List<String> ids, @JsonIgnore Duration timeout) {
    @JsonProperty("timeout")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    String timeoutText() {
      return text(timeout);
    }
  }

  /**
   * {@code POST /api/v1/jobs/cancel}: exactly one of {@code {"group": "g"}} and {@code {"all": true}}.
   *
   * @param group the group whose jobs not final are cancelled; null with {@code all}
   * @param all true to cancel every job not final; null with {@code group}
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record CancelRequest(String group, Boolean all) {
    /** Cancels the jobs of {@code group}. */
    public static CancelRequest ofGroup(String group) {
      return new CancelRequest(group, null);
    }

    /** Cancels every job. */
    public static CancelRequest ofAll() {
      return new CancelRequest(null, true);
    }
  }

  /** The answer to the cancels: {@code {"cancelled": n}}, how many jobs this request cancelled. */
  public record Cancelled(int cancelled) {}

  /**
   * {@code POST /api/v1/jobs/{id}/complete}: {@code {"result": {...}}}.
   *
   * @param result the job's result (required)
   */
  public record CompleteRequest(Map<String, Object> result) {}

  /** The answer to {@code POST /api/v1/jobs/{id}/complete}: whether this request completed the job. */
  public record Completed(boolean completed) {}

  /**
   * {@code PUT /api/v1/limits/{group}}: {@code {"limit": n}}.
   *
   * @param limit the most jobs of the group that run at once, at least 1
   */
  public record LimitRequest(int limit) {}

  /** The answer to the limit requests: {@code {"limits": {"<group>": n}}}, every group limit now. */
  public record Limits(Map<String, Integer> limits) {}

  /**
   * A job, as {@code GET /api/v1/jobs/{id}} shows it. Times are ISO-8601 instants, null until they
   * happen.
   *
   * @param id the job id
   * @param status its status: WAITING, QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED
   * @param isFinal whether the status is final ({@code "final"} in JSON)
   * @param priority its priority
   * @param group its group
   * @param labels the labels it requires
   * @param data the job data
   * @param result the result; null until final
   * @param failure why it did not complete; null unless it failed or was cancelled
   * @param submittedAt when it was submitted
   * @param finishedAt when it reached its final status
   * @param waitingFor why a WAITING or QUEUED job is not running yet; null otherwise
   * @param attempts its attempts, the first first
   * @param name its name; null if it has none
   * @param upstreams the ids of the jobs it runs after, in order
   * @param downstreams the ids of the jobs submitted to run after it
   * @param passing how its upstreams' results reach its data: nest, merge, none
   * @param combined whether it is a combined job (its result, or its data, a function of its upstreams' results)
   * @param progress the latest progress its current attempt's slave reported; null if none
   */
  @JsonPropertyOrder({"id", "status", "final", "priority", "group", "labels", "data", "result", "failure",
      "submittedAt", "finishedAt", "waitingFor", "attempts", "name", "upstreams", "downstreams", "passing", "combined",
      "progress"})
  public record JobView(String id, String status, @JsonProperty("final") boolean isFinal, int priority, String group,
      List<String> labels, Map<String, Object> data, Map<String, Object> result, TaskView.Failure failure,
      String submittedAt, String finishedAt, String waitingFor, List<AttemptView> attempts, String name,
      List<String> upstreams, List<String> downstreams, String passing, boolean combined, Map<String, Object> progress) {}

  /**
   * One attempt of a job: one task on one connection.
   *
   * @param number 1 for the first
   * @param connection the name of the connection it was sent on
   * @param task the wire id of its task
   * @param dispatchedAt when it was handed to the connection
   * @param finishedAt when it ended; null while it runs
   * @param outcome its task's final status; null while it runs
   * @param failure why it did not complete; null while it runs and when it completed
   */
  public record AttemptView(int number, String connection, String task, String dispatchedAt, String finishedAt,
      String outcome, TaskView.Failure failure) {}

  /** The answer to {@code GET /api/v1/jobs} (newest first) and {@code POST /api/v1/jobs/wait} (in the order asked). */
  public record JobList(List<JobView> jobs) {}

  /**
   * What the scheduler holds at one moment, the answer to {@code GET /api/v1/scheduler}.
   *
   * @param queued jobs waiting for a slot
   * @param waitingForRetry jobs waiting for a retry's backoff (queued too, by the queue's bound)
   * @param running attempts in flight
   * @param queueCapacity the most jobs that may wait
   * @param queuedByPriority queued jobs by priority (highest first), then by group
   * @param runningByGroup attempts in flight by group
   * @param limits group limits
   * @param freeSlots free slots by live connection
   * @param totals counts since the master started
   * @param waitingForUpstreams jobs WAITING for their upstream jobs (they count against the queue's bound too)
   */
  public record SummaryView(int queued, int waitingForRetry, int running, int queueCapacity,
      Map<Integer, Map<String, Integer>> queuedByPriority, Map<String, Integer> runningByGroup, Map<String, Integer> limits,
      Map<String, Integer> freeSlots, Totals totals, int waitingForUpstreams) {
    /**
     * Counts since the master started.
     *
     * @param submitted jobs accepted
     * @param completed jobs that completed
     * @param failed jobs that failed
     * @param cancelled jobs cancelled
     * @param retries attempts retried (a job retried twice counts 2)
     */
    public record Totals(long submitted, long completed, long failed, long cancelled, long retries) {}
  }

  /**
   * An event of the scheduler as the data of an event of {@code GET /api/v1/events} (the SSE
   * {@code event:} line carries its type too); fields that do not apply are left out. The stream's
   * own {@code OVERFLOW} event, which is no scheduler event, has this shape with only {@code type},
   * {@code time} and {@code message}.
   *
   * @param type the event's type, one of {@link #TYPES}
   * @param time when it happened, an ISO-8601 instant
   * @param job the job's id
   * @param group the job's group
   * @param connection the connection's name
   * @param attempt the attempt's number
   * @param task the attempt's wire id
   * @param reason a failure reason's name
   * @param message one line for people
   * @param progress the progress a slave reported (PROGRESS)
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"type", "time", "job", "group", "connection", "attempt", "task", "reason", "message", "progress"})
  public record EventView(String type, String time, String job, String group, String connection, Integer attempt,
      String task, String reason, String message, Map<String, Object> progress) {
    /** The type of the event that ends a stream whose client fell too far behind. */
    public static final String OVERFLOW = "OVERFLOW";
    /**
     * The types of the scheduler's events, as this client knows them ({@link EventStream} skips
     * others, a newer master's): a job SUBMITTED, DISPATCHED, RETRYING, COMPLETED, FAILED or
     * CANCELLED; EMPTY when every job submitted is final; a running job's PROGRESS; a connection
     * LIVE or ENDED.
     */
    public static final List<String> TYPES = List.of("SUBMITTED", "DISPATCHED", "RETRYING", "COMPLETED", "FAILED",
        "CANCELLED", "EMPTY", "PROGRESS", "CONNECTION_LIVE", "CONNECTION_ENDED");

    /** An event without progress. */
    public EventView(String type, String time, String job, String group, String connection, Integer attempt,
        String task, String reason, String message) {
      this(type, time, job, group, connection, attempt, task, reason, message, null);
    }
  }

  private static String text(Duration duration) {
    return duration == null ? null : Durations.format(duration);
  }
}
