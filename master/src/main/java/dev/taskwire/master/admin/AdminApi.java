package dev.taskwire.master.admin;

import static dev.taskwire.master.admin.AdminErrorCode.BAD_REQUEST;
import static dev.taskwire.master.admin.AdminErrorCode.CONFLICT;
import static dev.taskwire.master.admin.AdminErrorCode.NOT_FOUND;
import static dev.taskwire.master.admin.AdminErrorCode.QUEUE_FULL;
import static dev.taskwire.master.admin.AdminErrorCode.SLAVE_REFUSED;
import static dev.taskwire.master.admin.AdminErrorCode.SLAVE_UNREACHABLE;
import static dev.taskwire.master.admin.AdminErrorCode.STORE_UNAVAILABLE;
import static dev.taskwire.master.admin.AdminErrorCode.UNAUTHORIZED;
import static dev.taskwire.master.admin.AdminParams.safe;

import dev.taskwire.common.http.AsyncAnswer;
import dev.taskwire.common.http.JsonServer;
import dev.taskwire.common.json.JsonFormatException;
import dev.taskwire.common.protocol.ConnectionNames;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.protocol.SlaveResponseException;
import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.util.Checks;
import dev.taskwire.common.util.LogSafe;
import dev.taskwire.master.ConnectionListener;
import dev.taskwire.master.Master;
import dev.taskwire.master.MasterExtension;
import dev.taskwire.master.scheduler.QueueFullException;
import dev.taskwire.master.scheduler.Scheduler;
import dev.taskwire.master.store.StoreException;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * The admin API under {@code /api/v1}, on the master's own port: connections and tasks over JSON,
 * for the command-line client and for scripts. Every request needs {@code Authorization: Bearer
 * <admin token>} (the scheme in any case, the header once); answers are envelopes (codes in {@link
 * AdminErrorCode}). Connection names follow {@link ConnectionNames#RULE}, in bodies and in paths;
 * values a client or slave sent are escaped ({@link LogSafe}) before they reach a message. Bodies
 * are the records of {@link AdminMessages}, which {@link MasterClient} (module taskwire-client)
 * sends and reads.
 *
 * <p>Jobs go to the master's {@link Scheduler} ({@link Master#scheduler()}), which picks the
 * connection; group names follow the rule of connection names. {@code GET /api/v1/events} streams
 * the scheduler's events as Server-Sent Events ({@link EventStreams}).
 *
 * <p>This class registers the routes, each behind the token check, and maps what handlers throw to
 * status and code by the exception's class ({@link #register}); the handlers, one class per
 * resource ({@link ConnectionsHandler}, {@link TasksHandler}, {@link JobsHandler}, {@link
 * LimitsHandler}, {@link EventStreams}), only throw. Requests are read by {@link AdminRequests}
 * (a job's options by the scheduler's own rules, {@link JobRequests}); answers are made by {@link
 * AdminViews}.
 *
 * <p>Answers that hold jobs or tasks (their data and results may be megabytes) are written without
 * blocking any thread ({@link AsyncAnswer}): a long poll's answer is never written on the thread
 * that ends its wait, and a client that does not read its answer costs only its own connection,
 * cut after {@link Builder#answerWriteTimeout(Duration)}. Those that hold many ({@code GET /jobs},
 * {@code GET /tasks}, {@code POST /jobs/wait}) are sized before they are built, and refused with
 * 413 ANSWER_TOO_LARGE past {@link Builder#maxAnswerBytes(long)} ({@link AnswerBudget}).
 *
 * <table>
 *   <caption>Endpoints</caption>
 *   <tr><td>POST /api/v1/connections</td><td>{@code {name, host, port, https, data, labels}}: connect</td></tr>
 *   <tr><td>GET /api/v1/connections</td><td>list live connections</td></tr>
 *   <tr><td>DELETE /api/v1/connections/{name}</td><td>disconnect and remove</td></tr>
 *   <tr><td>POST /api/v1/connections/{name}/tasks</td><td>{@code {data, timeout}}: submit; answers the id</td></tr>
 *   <tr><td>GET /api/v1/tasks</td><td>recent tasks, newest first ({@code ?limit=N})</td></tr>
 *   <tr><td>GET /api/v1/tasks/{id}</td><td>one task</td></tr>
 *   <tr><td>GET /api/v1/tasks/{id}/wait</td><td>long poll until final ({@code ?timeout=30s}, at most 60 s)</td></tr>
 *   <tr><td>POST /api/v1/jobs</td><td>{@code {data, priority, group, labels, ...}}: queue a job; answers the id</td></tr>
 *   <tr><td>POST /api/v1/jobs/batch</td><td>{@code {data: [...], ...}}: queue 1 to 10,000 jobs, all or none</td></tr>
 *   <tr><td>GET /api/v1/jobs</td><td>kept jobs, newest first ({@code ?status=QUEUED&group=g&limit=100})</td></tr>
 *   <tr><td>GET /api/v1/jobs/{id}</td><td>one job, with its attempts</td></tr>
 *   <tr><td>GET /api/v1/jobs/{id}/wait</td><td>long poll until final ({@code ?timeout=30s}, at most 60 s)</td></tr>
 *   <tr><td>POST /api/v1/jobs/wait</td><td>{@code {ids, timeout}}: long poll until all are final (no id twice)</td></tr>
 *   <tr><td>DELETE /api/v1/jobs/{id}</td><td>cancel one job</td></tr>
 *   <tr><td>POST /api/v1/jobs/cancel</td><td>{@code {group}} or {@code {all: true}}: cancel many</td></tr>
 *   <tr><td>POST /api/v1/jobs/{id}/complete</td><td>{@code {result}}: complete a job by hand</td></tr>
 *   <tr><td>GET /api/v1/scheduler</td><td>the scheduler's summary</td></tr>
 *   <tr><td>PUT /api/v1/limits/{group}</td><td>{@code {limit}}: cap a group's running jobs</td></tr>
 *   <tr><td>DELETE /api/v1/limits/{group}</td><td>remove a group's limit</td></tr>
 *   <tr><td>GET /api/v1/events</td><td>the scheduler's events, as Server-Sent Events</td></tr>
 * </table>
 */
public final class AdminApi implements MasterExtension {
  /** Default number of submitted tasks remembered for {@code GET /api/v1/tasks}. */
  public static final int DEFAULT_TASK_HISTORY = 10_000;
  /** Default timeout of tasks submitted through the API: none. */
  public static final Duration DEFAULT_TASK_TIMEOUT = Duration.ZERO;
  /** Default and longest wait of a long poll. */
  public static final Duration DEFAULT_WAIT = AdminMessages.DEFAULT_WAIT;
  public static final Duration MAX_WAIT = AdminMessages.MAX_WAIT;
  /** Jobs {@code GET /api/v1/jobs} lists unless {@code ?limit} says otherwise (at most {@value AdminMessages#MAX_LIST}). */
  public static final int DEFAULT_JOB_LIST = JobsHandler.DEFAULT_LIST;
  /**
   * The most bytes of jobs or tasks one answer holds, unless the heap is small ({@link
   * Builder#maxAnswerBytes(long)}); what {@link MasterClient} reads at most.
   */
  public static final long DEFAULT_MAX_ANSWER_BYTES = AdminMessages.DEFAULT_MAX_ANSWER_BYTES;
  /** The smallest bound on an answer: an envelope with one small job. */
  public static final long MIN_MAX_ANSWER_BYTES = 1024;

  private final Token token;
  private final TaskHistory history;
  private final Duration defaultTaskTimeout;
  private final Duration eventKeepAlive;
  private final AnswerBudget budget;
  private final Answers answers;
  private EventStreams eventStreams;

  /**
   * An admin API that accepts {@code token}, remembers the last {@code taskHistory} tasks, and gives
   * submitted tasks {@code defaultTaskTimeout} unless the request says otherwise (zero: none).
   */
  public AdminApi(Token token, int taskHistory, Duration defaultTaskTimeout) {
    this(builder(token).taskHistory(taskHistory).defaultTaskTimeout(defaultTaskTimeout));
  }

  /** With the event streams' keep-alive comment after {@code eventKeepAlive} without an event: for tests. */
  AdminApi(Token token, int taskHistory, Duration defaultTaskTimeout, Duration eventKeepAlive) {
    this(builder(token).taskHistory(taskHistory).defaultTaskTimeout(defaultTaskTimeout).eventKeepAlive(eventKeepAlive));
  }

  /** An admin API without a default task timeout. */
  public AdminApi(Token token, int taskHistory) {
    this(token, taskHistory, DEFAULT_TASK_TIMEOUT);
  }

  private AdminApi(Builder builder) {
    this.token = builder.token;
    this.history = new TaskHistory(builder.taskHistory);
    this.defaultTaskTimeout = builder.defaultTaskTimeout;
    this.eventKeepAlive = builder.eventKeepAlive;
    this.budget = new AnswerBudget(builder.maxAnswerBytes > 0 ? builder.maxAnswerBytes : defaultMaxAnswerBytes());
    this.answers = new Answers(builder.answerWriteTimeout);
  }

  /** A builder of an admin API that accepts {@code token}; every other setting has its default. */
  public static Builder builder(Token token) {
    return new Builder(token);
  }

  /**
   * The bound on an answer when none is set: {@link #DEFAULT_MAX_ANSWER_BYTES}, or an eighth of the
   * heap if that is less, so that an answer and the copy made while it is written take at most a
   * quarter of it.
   */
  static long defaultMaxAnswerBytes() {
    return Math.max(MIN_MAX_ANSWER_BYTES, Math.min(DEFAULT_MAX_ANSWER_BYTES, Runtime.getRuntime().maxMemory() / 8));
  }

  /** The most bytes of jobs or tasks one answer holds: set, or {@link #defaultMaxAnswerBytes()}. */
  public long maxAnswerBytes() {
    return budget.maxBytes();
  }

  /** Registers the routes, each behind the token check and the mapping of {@link #exceptions()}. */
  @Override
  public void register(Master master, JsonServer server) {
    Scheduler scheduler = master.scheduler();
    this.eventStreams = new EventStreams(scheduler, eventKeepAlive);
    master.addConnectionListener(new ConnectionListener() {
      @Override
      public void masterShuttingDown() {
        // After the scheduler's own shutdown (it listens first), so that its last events are sent.
        eventStreams.shutdown();
      }
    });
    ExceptionMapping errors = exceptions();
    ConnectionsHandler connections = new ConnectionsHandler(master, server);
    TasksHandler tasks = new TasksHandler(master, server, history, defaultTaskTimeout, budget, answers);
    JobsHandler jobs = new JobsHandler(scheduler, server, budget, answers);
    LimitsHandler limits = new LimitsHandler(scheduler, server);
    server.before("/api/v1/*", errors.mapped(this::authorize));
    server.post("/api/v1/connections", errors.mapped(connections::connect));
    server.get("/api/v1/connections", errors.mapped(connections::list));
    server.delete("/api/v1/connections/{name}", errors.mapped(connections::remove));
    server.post("/api/v1/connections/{name}/tasks", errors.mapped(tasks::submit));
    server.get("/api/v1/tasks", errors.mapped(tasks::list));
    server.get("/api/v1/tasks/{id}", errors.mapped(tasks::get));
    server.get("/api/v1/tasks/{id}/wait", errors.mapped(tasks::await));
    server.post("/api/v1/jobs", errors.mapped(jobs::submit));
    server.post("/api/v1/jobs/batch", errors.mapped(jobs::submitAll));
    server.post("/api/v1/jobs/wait", errors.mapped(jobs::awaitAll));
    server.post("/api/v1/jobs/cancel", errors.mapped(jobs::cancelMany));
    server.get("/api/v1/jobs", errors.mapped(jobs::list));
    server.get("/api/v1/jobs/{id}", errors.mapped(jobs::get));
    server.get("/api/v1/jobs/{id}/wait", errors.mapped(jobs::await));
    server.delete("/api/v1/jobs/{id}", errors.mapped(jobs::cancel));
    server.post("/api/v1/jobs/{id}/complete", errors.mapped(jobs::complete));
    server.get("/api/v1/scheduler", errors.mapped(limits::summary));
    server.put("/api/v1/limits/{group}", errors.mapped(limits::put));
    server.delete("/api/v1/limits/{group}", errors.mapped(limits::remove));
    server.get("/api/v1/events", errors.mapped(eventStreams::start));
  }

  /**
   * What an admin handler throws, by class, as the exception the server answers (a {@link
   * ResponseException} becomes its envelope; anything else is a bug, logged and answered 500):
   *
   * <ul>
   *   <li>{@link ResponseException}: as it is, the API's own and the HTTP layer's (408, 413, 429);
   *   <li>{@link SlaveCallFailed}: 502 SLAVE_UNREACHABLE, or the slave's refusal (its code, 409);
   *   <li>{@link StoreException}: 503 STORE_UNAVAILABLE, the store could not write the change;
   *   <li>{@link QueueFullException}: 429 QUEUE_FULL, with {@code data.capacity} and {@code data.queued};
   *   <li>{@link JsonFormatException} (a malformed body or field) and {@link
   *       IllegalArgumentException} (a bad name or host, an option out of range): 400 BAD_REQUEST;
   *   <li>{@link NoSuchElementException}: 404 NOT_FOUND, the path's connection is not live;
   *   <li>{@link IllegalStateException}: 409 CONFLICT (a name taken, a connection not in a state
   *       for this, the master shutting down).
   * </ul>
   */
  private static ExceptionMapping exceptions() {
    return new ExceptionMapping()
        .on(ResponseException.class, (e, ctx) -> e)
        .on(SlaveCallFailed.class, (failed, ctx) -> failed.getCause() instanceof ResponseException refusal
            ? slaveRefused(refusal)
            : SLAVE_UNREACHABLE.exception(failed.slave + " could not be reached: "
                + SlaveCallFailed.reason((IOException) failed.getCause())))
        .on(StoreException.class, (e, ctx) -> STORE_UNAVAILABLE.exception("the master's store could not write: "
            + safe(e.getMessage())))
        .on(QueueFullException.class, (full, ctx) -> QUEUE_FULL.exception(safe(full.getMessage()),
            Map.of(AdminResponseException.QueueFull.CAPACITY, full.capacity(),
                AdminResponseException.QueueFull.QUEUED, full.queued())))
        // OkHttp's message about a bad host quotes it as given: escaped, as every message here.
        .on(JsonFormatException.class, (e, ctx) -> BAD_REQUEST.exception(safe(e.getMessage())))
        .on(IllegalArgumentException.class, (e, ctx) -> BAD_REQUEST.exception(safe(e.getMessage())))
        .on(NoSuchElementException.class, (e, ctx) -> {
          String name = ctx.pathParamMap().get("name");
          return NOT_FOUND.exception(name == null ? safe(e.getMessage()) : "no live connection named " + name);
        })
        .on(IllegalStateException.class, (e, ctx) -> CONFLICT.exception(safe(e.getMessage())));
  }

  /** A slave's refusal passed through: its code and message, 409, and {@code data.slaveStatus} its status. */
  private static ResponseException slaveRefused(ResponseException e) {
    Map<String, Object> data = new LinkedHashMap<>(e.data());
    data.put(AdminResponseException.SlaveRefused.SLAVE_STATUS, e.httpStatus());
    String kind = e instanceof SlaveResponseException s ? s.errorCode().name() : "code " + e.code();
    return new AdminResponseException.SlaveRefused(SLAVE_REFUSED.httpStatus(), e.code(),
        "the slave refused (" + kind + "): " + LogSafe.escape(e.responseMessage()), data);
  }

  /** Every admin request: exactly one {@code Authorization: Bearer <admin token>} header, with the token. */
  private void authorize(Context ctx) {
    // Two headers could be read differently by a proxy in front and by us: refuse rather than pick one.
    if (Collections.list(ctx.req().getHeaders("Authorization")).size() > 1) {
      throw new AdminResponseException.Unauthorized(400,
          "header Authorization was given more than once; send it once", Map.of());
    }
    String header = ctx.header("Authorization");
    // The scheme is case-insensitive (RFC 7235 section 2.1): "bearer" and "BEARER" too.
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, "Bearer ".length())) {
      throw UNAUTHORIZED.exception("missing header Authorization: Bearer <admin token>");
    }
    if (!token.matches(header.substring("Bearer ".length()).trim())) {
      throw UNAUTHORIZED.exception("wrong admin token");
    }
  }

  /** Event streams open now. */
  int openEventStreams() {
    return eventStreams == null ? 0 : eventStreams.open();
  }

  /** Answers of jobs or tasks not yet written now: long polls waiting, and answers being written. */
  int answersPending() {
    return answers.pending();
  }

  /** Configures an {@link AdminApi}: {@link AdminApi#builder(Token)}, setters, {@link #build()}. */
  public static final class Builder {
    private final Token token;
    private int taskHistory = DEFAULT_TASK_HISTORY;
    private Duration defaultTaskTimeout = DEFAULT_TASK_TIMEOUT;
    private long maxAnswerBytes; // 0: unset, the default depends on the heap
    private Duration answerWriteTimeout = AsyncAnswer.DEFAULT_WRITE_TIMEOUT;
    private Duration eventKeepAlive = EventStreams.DEFAULT_KEEP_ALIVE;

    private Builder(Token token) {
      this.token = Objects.requireNonNull(token, "token == null");
    }

    /** How many tasks submitted through the API {@code GET /api/v1/tasks} remembers; if unset, 10,000. */
    public Builder taskHistory(int taskHistory) {
      this.taskHistory = Checks.atLeast("taskHistory", taskHistory, 1);
      return this;
    }

    /** The timeout of tasks submitted through the API without one (zero: none); if unset, none. */
    public Builder defaultTaskTimeout(Duration timeout) {
      this.defaultTaskTimeout = Checks.notNegative("defaultTaskTimeout", timeout);
      return this;
    }

    /**
     * The most bytes of JSON an answer that holds many jobs or tasks ({@code GET /jobs}, {@code GET
     * /tasks}, {@code POST /jobs/wait}) may hold; a larger one is refused with 413 ANSWER_TOO_LARGE
     * before it is built. If unset, {@link AdminApi#DEFAULT_MAX_ANSWER_BYTES} (64 MiB), or an eighth of the
     * heap if that is less. {@link MasterClient} reads answers of up to 64 MiB.
     */
    public Builder maxAnswerBytes(long maxAnswerBytes) {
      if (maxAnswerBytes < MIN_MAX_ANSWER_BYTES) {
        throw new IllegalArgumentException("maxAnswerBytes < " + MIN_MAX_ANSWER_BYTES + ": " + maxAnswerBytes);
      }
      this.maxAnswerBytes = maxAnswerBytes;
      return this;
    }

    /**
     * How long writing one answer of jobs or tasks may take, from its first byte, before its
     * connection is cut (a client that reads too slowly, or not at all); if unset, 60 s.
     */
    public Builder answerWriteTimeout(Duration timeout) {
      this.answerWriteTimeout = Checks.atLeast("answerWriteTimeout", timeout, Duration.ofMillis(1));
      return this;
    }

    /** The event streams' keep-alive comment after this long without an event; if unset, 15 s. For tests. */
    Builder eventKeepAlive(Duration keepAlive) {
      this.eventKeepAlive = Objects.requireNonNull(keepAlive, "eventKeepAlive == null");
      return this;
    }

    /** The admin API, to register with {@link Master.Builder#extension(MasterExtension)}. */
    public AdminApi build() {
      return new AdminApi(this);
    }
  }
}
