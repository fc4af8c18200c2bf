package dev.taskwire.master.admin;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.taskwire.common.json.Json;
import dev.taskwire.common.json.JsonFields;
import dev.taskwire.common.json.JsonFormatException;
import dev.taskwire.common.protocol.Labels;
import dev.taskwire.common.protocol.ProtocolDefaults;
import dev.taskwire.common.protocol.TaskId;
import dev.taskwire.common.util.Durations;
import dev.taskwire.common.util.LogSafe;
import dev.taskwire.common.protocol.ConnectionNames;
import dev.taskwire.master.SlaveConnection;
import dev.taskwire.master.Task;
import dev.taskwire.master.TaskFailure;
import dev.taskwire.master.scheduler.Attempt;
import dev.taskwire.master.scheduler.Backoff;
import dev.taskwire.master.scheduler.Job;
import dev.taskwire.master.scheduler.JobOptions;
import dev.taskwire.master.scheduler.JobStatus;
import dev.taskwire.master.scheduler.Passing;
import dev.taskwire.master.scheduler.SchedulerEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The admin API's request bodies and answer data, one record per shape of the README's "Admin API"
 * table. {@link AdminApi} reads each request with its record's checks and answers with the views;
 * {@link MasterClient} sends the requests and reads the views.
 */
public final class AdminMessages {
  private AdminMessages() {}

  /**
   * {@code POST /api/v1/connections}: {@code {"name", "host", "port", "https", "data", "labels"}}.
   *
   * @param name the connection's name ({@link dev.taskwire.common.protocol.ConnectionNames#RULE})
   * @param host the slave's host
   * @param port the slave's port, 1..65535; 7236 when the request leaves it out
   * @param https whether to talk to the slave over https; null when left out (and not written):
   *     then https if the master has TLS settings, else http
   * @param data the connection data for the slave's before-connection hook; {@code {}} when left out
   * @param labels labels given on the master ({@link SlaveConnection#labels(java.util.Collection)}),
   *     for a slave that cannot announce its own; none when left out (and not written when empty)
   */
  public record ConnectRequest(String name, String host, int port,
      @JsonInclude(JsonInclude.Include.NON_NULL) Boolean https, Map<String, Object> data,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> labels) {
    /** A request without labels given on the master. */
    public ConnectRequest(String name, String host, int port, Boolean https, Map<String, Object> data) {
      this(name, host, port, https, data, List.of());
    }

    /**
     * The request in {@code body}: {@code name} and {@code host} non-empty strings, {@code port} an
     * integer 1..65535, {@code https} a boolean (or left out), {@code data} an object, {@code labels} a list of
     * strings (the name's and the labels' rules are checked where the connection is made).
     *
     * @throws JsonFormatException naming the first field that breaks its rule, and its value
     */
    static ConnectRequest fromJson(Map<String, Object> body) {
      String name = JsonFields.string(body, "name", "name");
      String host = JsonFields.string(body, "host", "host");
      int port = port(body.get("port"));
      Boolean https = https(body.get("https"));
      Map<String, Object> data = JsonFields.objectOrEmpty(body, "data");
      List<String> labels = body.get("labels") == null ? List.of() : strings(body.get("labels"), "labels");
      return new ConnectRequest(name, host, port, https, data, labels);
    }

    private static int port(Object value) {
      if (value == null) {
        return ProtocolDefaults.DEFAULT_SLAVE_PORT;
      }
      // Jackson reads 7236.0 as a Double and a number beyond int as a Long or BigInteger: all refused.
      if (!(value instanceof Integer number) || number < 1 || number > 65_535) {
        throw new JsonFormatException("port must be a port number 1..65535, got " + LogSafe.escape(String.valueOf(value)));
      }
      return number;
    }

    private static Boolean https(Object value) {
      if (value == null) {
        return null; // the master's own TLS decides
      }
      if (!(value instanceof Boolean flag)) {
        throw new JsonFormatException("https must be true or false, got " + LogSafe.escape(Json.toString(value)));
      }
      return flag;
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
      return timeout == null ? null : Durations.format(timeout);
    }

    /**
     * The request in {@code body}: {@code data} an object (required, so that a typo such as {@code
     * {"dta": ...}} is refused rather than run as an empty task), {@code timeout} a duration or
     * absent.
     *
     * @throws JsonFormatException naming the field that breaks its rule, and its value
     */
    static SubmitRequest fromJson(Map<String, Object> body) {
      Map<String, Object> data = JsonFields.object(body, "data");
      Object timeout = body.get("timeout");
      return new SubmitRequest(data, timeout == null ? null : duration(timeout));
    }

    private static Duration duration(Object value) {
      if (!(value instanceof String text)) {
        throw new JsonFormatException("timeout must be a duration such as \"30s\", got " + LogSafe.escape(String.valueOf(value)));
      }
      try {
        return Durations.parse(text);
      } catch (IllegalArgumentException e) {
        throw new JsonFormatException("timeout: " + e.getMessage(), e);
      }
    }
  }

  /**
   * A live connection, as {@code GET /api/v1/connections} lists it.
   *
   * @param name its name
   * @param slave the slave's address, e.g. {@code http://10.0.0.7:7236}
   * @param state {@code CONNECTED}, or the state it is ending in ({@link SlaveConnection.State})
   * @param slots tasks the slave runs at once (1 for a reference slave)
   * @param extensions the protocol extensions the slave announced
   * @param lastHeartbeatAgeMs time since the slave's last heartbeat
   * @param tasksInFlight tasks started and not final
   * @param labels the labels the scheduler routes by: given on the master and announced, sorted
   * @param freeSlots slots not taken by a task in flight
   */
  public record ConnectionView(String name, String slave, String state, int slots, List<String> extensions,
      long lastHeartbeatAgeMs, int tasksInFlight, List<String> labels, int freeSlots) {
    static ConnectionView of(SlaveConnection connection) {
      return new ConnectionView(connection.name(), connection.slaveAddress().toString(), connection.state().name(),
          connection.slots(), connection.extensions(), connection.lastHeartbeatAge().toMillis(), connection.tasksInFlight(),
          connection.labels(), connection.freeSlots());
    }
  }

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
   * @param status its {@link dev.taskwire.master.TaskStatus}
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
    /** {@code failure}: a {@link TaskFailure.Reason} name and a message. */
    public record Failure(String reason, String message) {
      /** {@code failure} as its view; null for null. */
      static Failure of(TaskFailure failure) {
        return failure == null ? null : new Failure(failure.reason().name(), failure.message());
      }
    }

    /** This view without its data and result (both null): what is left to size once they are counted apart. */
    TaskView withoutDataAndResult() {
      return new TaskView(id, connection, status, isFinal, null, null, failure, createdAt, startedAt, finishedAt,
          progress);
    }

    static TaskView of(Task task) {
      TaskFailure failure = task.failure();
      return new TaskView(task.id().value(), task.connection().name(), task.status().name(), task.status().isFinal(),
          task.data(), task.result(), Failure.of(failure),
          text(task.createdAt()), text(task.startedAt()), text(task.finishedAt()), task.progress());
    }
  }

  /** The answer to {@code GET /api/v1/tasks}: {@code {"tasks": [...]}}, newest first. */
  public record TaskList(List<TaskView> tasks) {}

  // The scheduler's jobs.

  /** The most jobs one batch submits, or one wait waits for. */
  public static final int MAX_BATCH = 10_000;
  /** The most jobs {@code GET /api/v1/jobs} lists. */
  public static final int MAX_LIST = 10_000;

  /**
   * The options of a job as {@code POST /api/v1/jobs} and {@code /jobs/batch} carry them, beside
   * {@code data}; each null (and left out of the body) takes the default of {@link JobOptions}.
   * Durations are written like {@code "30s"} ({@link Durations}), a backoff as {@code {"initial":
   * "1s", "multiplier": 2.0, "cap": "1m"}}. Make one from options with {@link #of(JobOptions)}, or
   * start from {@link #DEFAULTS}.
   *
   * @param priority higher runs first ({@link JobOptions#priority()})
   * @param group the fairness group, named by the rule of connection names
   * @param labels the labels a connection must all have to take the job ({@link Labels#RULE})
   * @param timeout each attempt's run timeout; zero for none
   * @param queueTimeout the longest wait before the first dispatch; zero for none
   * @param deadline the longest time from submit to a final state; zero for none
   * @param attempts attempts in all, 1..{@value JobOptions#MAX_ATTEMPTS} ({@link JobOptions#maxAttempts()})
   * @param retryOn the reasons also retried: SLAVE_FAILED, TIMEOUT
   * @param backoff the wait before a retry asked for by {@code retryOn}
   * @param name the job's name ({@link JobOptions#name()}), its key among a downstream's nested upstream results
   * @param dependsOn the ids of the jobs it runs after ({@link JobOptions#after()})
   * @param passing how their results reach its data: {@code nest} (the default), {@code merge} or
   *     {@code none} ({@link Passing})
   * @param lease the longest an attempt may go without reporting progress ({@link JobOptions#lease()}); zero for none
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"priority", "group", "labels", "timeout", "queueTimeout", "deadline", "attempts", "retryOn",
      "backoff", "name", "dependsOn", "passing", "lease"})
  public record JobRequest(Integer priority, String group, List<String> labels, @JsonIgnore Duration timeout,
      @JsonIgnore Duration queueTimeout, @JsonIgnore Duration deadline, Integer attempts,
      List<TaskFailure.Reason> retryOn, @JsonIgnore Backoff backoff, String name, List<String> dependsOn,
      String passing, @JsonIgnore Duration lease) {
    /** Every option left to its default. */
    public static final JobRequest DEFAULTS = new JobRequest(null, null, null, null, null, null, null, null, null, null,
        null, null, null);
    /** The option fields a body may carry. */
    static final List<String> FIELDS = List.of("priority", "group", "labels", "timeout", "queueTimeout", "deadline",
        "attempts", "retryOn", "backoff", "name", "dependsOn", "passing", "lease");
    private static final List<String> BACKOFF_FIELDS = List.of("initial", "multiplier", "cap");

    public JobRequest {
      labels = labels == null ? null : List.copyOf(labels);
      retryOn = retryOn == null ? null : List.copyOf(retryOn);
      dependsOn = dependsOn == null ? null : List.copyOf(dependsOn);
    }

    /** Options of a job that depends on no other (name, dependsOn and passing left to their defaults). */
    public JobRequest(Integer priority, String group, List<String> labels, Duration timeout, Duration queueTimeout,
        Duration deadline, Integer attempts, List<TaskFailure.Reason> retryOn, Backoff backoff) {
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

    /** Every option of {@code options}, written out (defaults too). */
    public static JobRequest of(JobOptions options) {
      List<TaskFailure.Reason> retryOn = options.retryOn().stream().sorted().toList();
      return new JobRequest(options.priority(), options.group(), options.labels(), options.timeout(),
          options.queueTimeout(), options.deadline(), options.maxAttempts(), retryOn, options.backoff(), options.name(),
          options.after(), options.passing().name().toLowerCase(java.util.Locale.ROOT), options.lease());
    }

    /**
     * The {@link JobOptions}: these options over the defaults.
     *
     * @throws IllegalArgumentException naming the first option out of range
     */
    public JobOptions toOptions() {
      JobOptions.Builder builder = JobOptions.builder();
      if (priority != null) {
        builder.priority(priority);
      }
      if (group != null) {
        builder.group(group);
      }
      if (labels != null) {
        builder.labels(labels);
      }
      if (timeout != null) {
        builder.timeout(timeout);
      }
      if (queueTimeout != null) {
        builder.queueTimeout(queueTimeout);
      }
      if (deadline != null) {
        builder.deadline(deadline);
      }
      if (attempts != null) {
        builder.maxAttempts(attempts);
      }
      if (retryOn != null) {
        builder.retryOn(retryOn.toArray(TaskFailure.Reason[]::new));
      }
      if (backoff != null) {
        builder.backoff(backoff);
      }
      if (name != null) {
        builder.name(name);
      }
      if (dependsOn != null) {
        builder.afterIds(dependsOn);
      }
      if (passing != null) {
        builder.passing(passingOf(passing));
      }
      if (lease != null) {
        builder.lease(lease);
      }
      return builder.build();
    }

    private static Passing passingOf(String mode) {
      for (Passing passing : Passing.values()) {
        if (passing.name().equalsIgnoreCase(mode)) {
          return passing;
        }
      }
      throw new IllegalArgumentException("passing must be nest, merge or none, got \"" + LogSafe.escape(mode) + "\"");
    }

    @JsonProperty("timeout")
    String timeoutText() {
      return text(timeout);
    }

    @JsonProperty("queueTimeout")
    String queueTimeoutText() {
      return text(queueTimeout);
    }

    @JsonProperty("lease")
    String leaseText() {
      return text(lease);
    }

    @JsonProperty("deadline")
    String deadlineText() {
      return text(deadline);
    }

    /** {@code backoff} as the body carries it. */
    @JsonProperty("backoff")
    Map<String, Object> backoffJson() {
      if (backoff == null) {
        return null;
      }
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("initial", Durations.format(backoff.initial()));
      json.put("multiplier", backoff.multiplier());
      json.put("cap", Durations.format(backoff.cap()));
      return json;
    }

    /**
     * The options in {@code body}, which may carry {@code others} besides them (e.g. {@code data})
     * and nothing else: an unknown field, such as a misspelt {@code "priorty"}, is refused rather
     * than ignored. Each option is checked by its rule (the group's and the labels' too), and a null
     * is the same as leaving it out.
     *
     * @throws JsonFormatException naming the first field that breaks its rule, and its value
     */
    static JobRequest fromJson(Map<String, Object> body, List<String> others) {
      List<String> known = new ArrayList<>(others);
      known.addAll(FIELDS);
      requireKnown(body, known, "");
      Integer priority = body.get("priority") == null ? null : integer(body.get("priority"), "priority", "an integer");
      String group = body.get("group") == null ? null : AdminMessages.group(body.get("group"), "group");
      List<String> labels = body.get("labels") == null ? null : labels(body.get("labels"));
      Duration timeout = optionalDuration(body, "timeout");
      Duration queueTimeout = optionalDuration(body, "queueTimeout");
      Duration deadline = optionalDuration(body, "deadline");
      Integer attempts = body.get("attempts") == null ? null : attempts(body.get("attempts"));
      List<TaskFailure.Reason> retryOn = body.get("retryOn") == null ? null : retryOn(body.get("retryOn"));
      Backoff backoff = body.get("backoff") == null ? null : backoff(body.get("backoff"));
      String name = body.get("name") == null ? null : AdminMessages.group(body.get("name"), "name");
      List<String> dependsOn = body.get("dependsOn") == null ? null : dependsOn(body.get("dependsOn"));
      String passing = null;
      if (body.get("passing") != null) {
        if (!(body.get("passing") instanceof String mode)) {
          throw new JsonFormatException("passing must be \"nest\", \"merge\" or \"none\", got " + excerpt(body.get("passing")));
        }
        try {
          passingOf(mode);
        } catch (IllegalArgumentException e) {
          throw new JsonFormatException(e.getMessage(), e);
        }
        passing = mode;
      }
      return new JobRequest(priority, group, labels, timeout, queueTimeout, deadline, attempts, retryOn, backoff, name,
          dependsOn, passing, optionalDuration(body, "lease"));
    }

    private static List<String> dependsOn(Object value) {
      List<String> ids = strings(value, "dependsOn");
      if (ids.size() > JobOptions.MAX_UPSTREAMS) {
        throw new JsonFormatException("dependsOn may name at most " + JobOptions.MAX_UPSTREAMS + " jobs, got " + ids.size());
      }
      if (new java.util.HashSet<>(ids).size() != ids.size()) {
        throw new JsonFormatException("dependsOn names a job twice");
      }
      for (String id : ids) {
        if (id.isEmpty() || id.length() > TaskId.MAX_LENGTH) {
          throw new JsonFormatException("dependsOn must hold job ids (1 to " + TaskId.MAX_LENGTH + " characters), got "
              + excerpt(id));
        }
      }
      return ids;
    }

    private static List<String> labels(Object value) {
      List<String> labels = strings(value, "labels");
      try {
        return Labels.require(labels);
      } catch (IllegalArgumentException e) {
        throw new JsonFormatException("labels: " + e.getMessage(), e);
      }
    }

    private static int attempts(Object value) {
      if (!(value instanceof Integer number) || number < 1 || number > JobOptions.MAX_ATTEMPTS) {
        throw new JsonFormatException("attempts must be an integer 1.." + JobOptions.MAX_ATTEMPTS + ", got " + excerpt(value));
      }
      return number;
    }

    private static List<TaskFailure.Reason> retryOn(Object value) {
      String rule = "retryOn must be a list of SLAVE_FAILED and TIMEOUT (LOST and START_FAILED are always retried)";
      if (!(value instanceof List<?> list)) {
        throw new JsonFormatException(rule + ", got " + excerpt(value));
      }
      List<TaskFailure.Reason> reasons = new ArrayList<>();
      for (Object item : list) {
        TaskFailure.Reason reason = null;
        for (TaskFailure.Reason retryable : JobOptions.RETRYABLE) {
          if (retryable.name().equals(item)) {
            reason = retryable;
          }
        }
        if (reason == null) {
          throw new JsonFormatException(rule + ", got " + excerpt(item));
        }
        if (!reasons.contains(reason)) {
          reasons.add(reason);
        }
      }
      return reasons;
    }

    private static Backoff backoff(Object value) {
      if (!(value instanceof Map<?, ?>)) {
        throw new JsonFormatException("backoff must be an object such as {\"initial\": \"1s\", \"multiplier\": 2.0,"
            + " \"cap\": \"1m\"}, got " + excerpt(value));
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> json = (Map<String, Object>) value;
      requireKnown(json, BACKOFF_FIELDS, "backoff.");
      Duration initial = optionalDuration(json, "initial", "backoff.initial");
      Duration cap = optionalDuration(json, "cap", "backoff.cap");
      double multiplier = Backoff.DEFAULT.multiplier();
      Object factor = json.get("multiplier");
      if (factor != null) {
        // An integer (2) is a number too; Jackson reads a number too large for a double as out of range.
        if (!(factor instanceof Integer || factor instanceof Long || factor instanceof Double)) {
          throw new JsonFormatException("backoff.multiplier must be a number >= 1, got " + excerpt(factor));
        }
        multiplier = ((Number) factor).doubleValue();
        if (!(multiplier >= 1.0)) {
          throw new JsonFormatException("backoff.multiplier must be a number >= 1, got " + excerpt(factor));
        }
      }
      Duration first = initial == null ? Backoff.DEFAULT.initial() : initial;
      Duration longest = cap == null ? Backoff.DEFAULT.cap() : cap;
      if (longest.compareTo(first) < 0) {
        throw new JsonFormatException("backoff.cap must be at least backoff.initial, got cap " + Durations.format(longest)
            + " and initial " + Durations.format(first) + (cap == null ? " (cap left at its default)" : ""));
      }
      try {
        return new Backoff(first, multiplier, longest);
      } catch (IllegalArgumentException e) {
        throw new JsonFormatException("backoff: " + e.getMessage(), e);
      }
    }
  }

  /**
   * {@code POST /api/v1/jobs}: {@code {"data": {...}}} and the options of {@link JobRequest}.
   *
   * @param data the job's data (required, so that a typo such as {@code "dta"} is refused)
   * @param options its options
   */
  public record JobSubmit(Map<String, Object> data, @JsonUnwrapped JobRequest options) {
    /** @throws JsonFormatException naming the first field that breaks its rule, or an unknown one */
    static JobSubmit fromJson(Map<String, Object> body) {
      JobRequest options = JobRequest.fromJson(body, List.of("data"));
      return new JobSubmit(JsonFields.object(body, "data"), options);
    }
  }

  /**
   * {@code POST /api/v1/jobs/batch}: {@code {"data": [{...}, ...]}} (1 to {@value #MAX_BATCH}
   * objects) and the options of {@link JobRequest}, shared by every job.
   *
   * @param data one object per job, in order
   * @param options their options
   */
  public record JobBatch(List<Map<String, Object>> data, @JsonUnwrapped JobRequest options) {
    /** @throws JsonFormatException naming the first field that breaks its rule, or an unknown one */
    @SuppressWarnings("unchecked")
    static JobBatch fromJson(Map<String, Object> body) {
      JobRequest options = JobRequest.fromJson(body, List.of("data"));
      Object value = body.get("data");
      if (!(value instanceof List<?> list)) {
        throw new JsonFormatException(value == null ? "data is missing; expected a list of 1 to " + MAX_BATCH + " objects"
            : "data must be a list of 1 to " + MAX_BATCH + " objects, got " + excerpt(value));
      }
      if (list.isEmpty() || list.size() > MAX_BATCH) {
        throw new JsonFormatException("data must be a list of 1 to " + MAX_BATCH + " objects, got " + list.size());
      }
      List<Map<String, Object>> data = new ArrayList<>(list.size());
      for (int i = 0; i < list.size(); i++) {
        if (!(list.get(i) instanceof Map<?, ?> one)) {
          throw new JsonFormatException("data[" + i + "] must be an object, got " + excerpt(list.get(i)));
        }
        data.add((Map<String, Object>) one);
      }
      return new JobBatch(data, options);
    }
  }

  /** The answer to {@code POST /api/v1/jobs/batch}: {@code {"ids": [...]}}, in the order of the data. */
  public record JobIds(List<String> ids) {}

  /**
   * {@code POST /api/v1/jobs/wait}: {@code {"ids": [...], "timeout": "30s"}}.
   *
   * @param ids the jobs to wait for, 1 to {@value #MAX_BATCH}, none twice
   * @param timeout the longest wait ({@link AdminApi#MAX_WAIT} at most); null, and left out, for
   *     {@link AdminApi#DEFAULT_WAIT}
   */
  public record WaitRequest(List<String> ids, @JsonIgnore Duration timeout) {
    @JsonProperty("timeout")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    String timeoutText() {
      return text(timeout);
    }

    /** @throws JsonFormatException naming the first field that breaks its rule, or an unknown one */
    static WaitRequest fromJson(Map<String, Object> body) {
      requireKnown(body, List.of("ids", "timeout"), "");
      Object value = body.get("ids");
      String rule = "ids must be a list of 1 to " + MAX_BATCH + " job ids";
      if (!(value instanceof List<?> list)) {
        throw new JsonFormatException(value == null ? "ids is missing; expected a list of 1 to " + MAX_BATCH + " job ids"
            : rule + ", got " + excerpt(value));
      }
      if (list.isEmpty() || list.size() > MAX_BATCH) {
        throw new JsonFormatException(rule + ", got " + list.size());
      }
      List<String> ids = strings(list, "ids");
      // An id listed twice would be answered twice: 10,000 times one large job made a gigabyte.
      Map<String, Integer> seen = new java.util.HashMap<>(ids.size() * 2);
      for (int i = 0; i < ids.size(); i++) {
        String id = ids.get(i);
        if (id.isEmpty()) {
          throw new JsonFormatException(rule + ", got an empty id");
        }
        Integer first = seen.putIfAbsent(id, i);
        if (first != null) {
          throw new JsonFormatException("ids must not repeat an id, got \"" + LogSafe.escape(id) + "\" at " + first
              + " and at " + i);
        }
      }
      return new WaitRequest(ids, optionalDuration(body, "timeout"));
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

    /** @throws JsonFormatException unless the body holds exactly one of the two, by its rule */
    static CancelRequest fromJson(Map<String, Object> body) {
      requireKnown(body, List.of("group", "all"), "");
      Object group = body.get("group");
      Object all = body.get("all");
      if ((group == null) == (all == null)) {
        throw new JsonFormatException("give exactly one of {\"group\": \"<group>\"} and {\"all\": true}");
      }
      if (all != null && !Boolean.TRUE.equals(all)) {
        throw new JsonFormatException("all must be true, got " + excerpt(all) + "; to cancel one group, give only group");
      }
      return group == null ? ofAll() : ofGroup(AdminMessages.group(group, "group"));
    }
  }

  /** The answer to the cancels: {@code {"cancelled": n}}, how many jobs this request cancelled. */
  public record Cancelled(int cancelled) {}

  /**
   * {@code POST /api/v1/jobs/{id}/complete}: {@code {"result": {...}}}.
   *
   * @param result the job's result (required)
   */
  public record CompleteRequest(Map<String, Object> result) {
    /** @throws JsonFormatException if {@code result} is not an object, or another field is given */
    static CompleteRequest fromJson(Map<String, Object> body) {
      requireKnown(body, List.of("result"), "");
      return new CompleteRequest(JsonFields.object(body, "result"));
    }
  }

  /** The answer to {@code POST /api/v1/jobs/{id}/complete}: whether this request completed the job. */
  public record Completed(boolean completed) {}

  /**
   * {@code PUT /api/v1/limits/{group}}: {@code {"limit": n}}.
   *
   * @param limit the most jobs of the group that run at once, at least 1
   */
  public record LimitRequest(int limit) {
    /** @throws JsonFormatException unless {@code limit} is an integer at least 1, and the only field */
    static LimitRequest fromJson(Map<String, Object> body) {
      requireKnown(body, List.of("limit"), "");
      Object value = body.get("limit");
      if (!(value instanceof Integer limit) || limit < 1) {
        throw new JsonFormatException(value == null ? "limit is missing; expected an integer at least 1"
            : "limit must be an integer at least 1 (DELETE the limit to remove it), got " + excerpt(value));
      }
      return new LimitRequest(limit);
    }
  }

  /** The answer to the limit requests: {@code {"limits": {"<group>": n}}}, every group limit now. */
  public record Limits(Map<String, Integer> limits) {}

  /**
   * A job, as {@code GET /api/v1/jobs/{id}} shows it. Times are ISO-8601 instants, null until they
   * happen.
   *
   * @param id the job id
   * @param status its {@link JobStatus}
   * @param isFinal whether the status is final ({@code "final"} in JSON)
   * @param priority its priority
   * @param group its group
   * @param labels the labels it requires
   * @param data the job data
   * @param result the result; null until final
   * @param failure why it did not complete; null unless it failed or was cancelled
   * @param submittedAt when it was submitted
   * @param finishedAt when it reached its final status
   * @param waitingFor why a WAITING or QUEUED job is not running yet ({@link Job#waitingFor()}); null otherwise
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
      List<String> upstreams, List<String> downstreams, String passing, boolean combined, Map<String, Object> progress) {
    /** This view without its data and result (both null): what is left to size once they are counted apart. */
    JobView withoutDataAndResult() {
      return new JobView(id, status, isFinal, priority, group, labels, null, null, failure, submittedAt, finishedAt,
          waitingFor, attempts, name, upstreams, downstreams, passing, combined, progress);
    }

    /** Reads of a job that changes meanwhile are repeated until its status holds across them, this often at most. */
    private static final int READS = 10;

    static JobView of(Job job) {
      // The job's parts are read one by one: read them again if its status changed meanwhile, so that
      // a view never shows, say, RUNNING with a result.
      JobStatus status;
      Map<String, Object> result;
      TaskFailure failure;
      Instant finishedAt;
      List<Attempt> attempts;
      String waitingFor;
      int reads = 0;
      do {
        status = job.status();
        result = job.result();
        failure = job.failure();
        finishedAt = job.finishedAt();
        attempts = job.attempts();
        waitingFor = job.waitingFor();
      } while (status != job.status() && ++reads < READS);
      JobOptions options = job.options();
      return new JobView(job.id(), status.name(), status.isFinal(), options.priority(), options.group(),
          options.labels(), job.data(), result, TaskView.Failure.of(failure), text(job.submittedAt()), text(finishedAt),
          waitingFor, attempts.stream().map(AttemptView::of).toList(), options.name(), job.upstreams(), job.downstreams(),
          options.passing().name().toLowerCase(java.util.Locale.ROOT), job.isCombined(), job.progress());
    }
  }

  /**
   * One attempt of a job: one task on one connection.
   *
   * @param number 1 for the first
   * @param connection the name of the connection it was sent on
   * @param task the wire id of its task
   * @param dispatchedAt when it was handed to the connection
   * @param finishedAt when it ended; null while it runs
   * @param outcome its task's final {@link dev.taskwire.master.TaskStatus}; null while it runs
   * @param failure why it did not complete; null while it runs and when it completed
   */
  public record AttemptView(int number, String connection, String task, String dispatchedAt, String finishedAt,
      String outcome, TaskView.Failure failure) {
    static AttemptView of(Attempt attempt) {
      return new AttemptView(attempt.number(), attempt.connection(), attempt.taskId(), text(attempt.dispatchedAt()),
          text(attempt.finishedAt()), attempt.outcome() == null ? null : attempt.outcome().name(),
          TaskView.Failure.of(attempt.failure()));
    }
  }

  /** The answer to {@code GET /api/v1/jobs} (newest first) and {@code POST /api/v1/jobs/wait} (in the order asked). */
  public record JobList(List<JobView> jobs) {}

  /**
   * A {@link SchedulerEvent} as the data of an event of {@code GET /api/v1/events} (the SSE
   * {@code event:} line carries its type too); fields that do not apply are left out. The stream's
   * own {@code OVERFLOW} event, which is no scheduler event, has this shape with only {@code type},
   * {@code time} and {@code message}.
   *
   * @param type the event's type
   * @param time when it happened, an ISO-8601 instant
   * @param job the job's id
   * @param group the job's group
   * @param connection the connection's name
   * @param attempt the attempt's number
   * @param task the attempt's wire id
   * @param reason a {@link TaskFailure.Reason} name
   * @param message one line for people
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"type", "time", "job", "group", "connection", "attempt", "task", "reason", "message", "progress"})
  public record EventView(String type, String time, String job, String group, String connection, Integer attempt,
      String task, String reason, String message, Map<String, Object> progress) {
    /** The type of the event that ends a stream whose client fell too far behind. */
    public static final String OVERFLOW = "OVERFLOW";

    static EventView of(SchedulerEvent event) {
      return new EventView(event.type().name(), text(event.time()), event.job(), event.group(), event.connection(),
          event.attempt(), event.task(), event.reason(), event.message(), event.progress());
    }

    /**
     * The scheduler event this view shows.
     *
     * @throws IllegalArgumentException if {@code type} is no {@link SchedulerEvent.Type} (OVERFLOW, or
     *     a type of a newer master) or {@code time} no instant
     */
    SchedulerEvent toEvent() {
      return new SchedulerEvent(SchedulerEvent.Type.valueOf(type), Instant.parse(time), job, group, connection, attempt,
          task, reason, message, progress);
    }
  }

  // Checks shared by the requests.

  /** Refuses a key of {@code body} not in {@code known}; {@code prefix} names the object, e.g. {@code backoff.}. */
  private static void requireKnown(Map<String, Object> body, List<String> known, String prefix) {
    for (String key : body.keySet()) {
      if (!known.contains(key)) {
        throw new JsonFormatException("unknown field " + prefix + "\"" + LogSafe.escape(key) + "\"; the fields are "
            + String.join(", ", known));
      }
    }
  }

  /** {@code value} as a list of strings; {@code field} names it in the error. */
  private static List<String> strings(Object value, String field) {
    if (value instanceof List<?> list) {
      List<String> strings = new ArrayList<>(list.size());
      for (Object item : list) {
        if (!(item instanceof String text)) {
          throw new JsonFormatException(field + " must be a list of strings, got " + excerpt(item) + " in it");
        }
        strings.add(text);
      }
      return strings;
    }
    throw new JsonFormatException(field + " must be a list of strings, got " + excerpt(value));
  }

  private static int integer(Object value, String field, String rule) {
    // Jackson reads 1.0 as a Double and a number beyond int as a Long or BigInteger: all refused.
    if (!(value instanceof Integer number)) {
      throw new JsonFormatException(field + " must be " + rule + ", got " + excerpt(value));
    }
    return number;
  }

  /** {@code value} if it is a string that follows {@link JobOptions#GROUP_RULE}; {@code field} names it in the error. */
  static String group(Object value, String field) {
    if (!(value instanceof String group)) {
      throw new JsonFormatException(field + " must be a string, got " + excerpt(value));
    }
    if (!ConnectionNames.isValid(group)) {
      throw new JsonFormatException(field + ": " + JobOptions.GROUP_RULE + "; got \"" + LogSafe.escape(group) + "\"");
    }
    return group;
  }

  private static Duration optionalDuration(Map<String, Object> body, String key) {
    return optionalDuration(body, key, key);
  }

  /** The duration at {@code key} (a string such as {@code "30s"}), or null if absent; {@code field} names it. */
  private static Duration optionalDuration(Map<String, Object> body, String key, String field) {
    Object value = body.get(key);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String text)) {
      throw new JsonFormatException(field + " must be a duration such as \"30s\", got " + excerpt(value));
    }
    try {
      return Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new JsonFormatException(field + ": " + LogSafe.escape(e.getMessage()), e);
    }
  }

  /** A value a client sent, as JSON, escaped and cut short for a message. */
  private static String excerpt(Object value) {
    return LogSafe.escape(Json.toString(value));
  }

  private static String text(Duration duration) {
    return duration == null ? null : Durations.format(duration);
  }

  private static String text(Instant instant) {
    return instant == null ? null : instant.toString();
  }
}
