package dev.taskwire.master.admin;

import static dev.taskwire.master.admin.AdminErrorCode.BAD_REQUEST;
import static dev.taskwire.master.admin.AdminErrorCode.CONFLICT;
import static dev.taskwire.master.admin.AdminErrorCode.NOT_FOUND;
import static dev.taskwire.master.admin.AdminErrorCode.QUEUE_FULL;
import static dev.taskwire.master.admin.AdminErrorCode.SLAVE_REFUSED;
import static dev.taskwire.master.admin.AdminErrorCode.SLAVE_UNREACHABLE;
import static dev.taskwire.master.admin.AdminErrorCode.UNAUTHORIZED;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.taskwire.common.http.AsyncAnswer;
import dev.taskwire.common.http.JsonServer;
import dev.taskwire.common.json.Json;
import dev.taskwire.common.json.JsonFormatException;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.protocol.SlaveResponseException;
import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.util.Checks;
import dev.taskwire.common.util.Durations;
import dev.taskwire.common.util.LogSafe;
import dev.taskwire.master.ConnectionListener;
import dev.taskwire.common.protocol.ConnectionNames;
import dev.taskwire.master.Master;
import dev.taskwire.master.MasterExtension;
import dev.taskwire.master.SlaveConnection;
import dev.taskwire.master.Task;
import dev.taskwire.master.admin.AdminMessages.CancelRequest;
import dev.taskwire.master.admin.AdminMessages.Cancelled;
import dev.taskwire.master.admin.AdminMessages.CompleteRequest;
import dev.taskwire.master.admin.AdminMessages.Completed;
import dev.taskwire.master.admin.AdminMessages.ConnectRequest;
import dev.taskwire.master.admin.AdminMessages.Connected;
import dev.taskwire.master.admin.AdminMessages.ConnectionList;
import dev.taskwire.master.admin.AdminMessages.ConnectionView;
import dev.taskwire.master.admin.AdminMessages.JobBatch;
import dev.taskwire.master.admin.AdminMessages.JobIds;
import dev.taskwire.master.admin.AdminMessages.JobList;
import dev.taskwire.master.admin.AdminMessages.JobSubmit;
import dev.taskwire.master.admin.AdminMessages.JobView;
import dev.taskwire.master.admin.AdminMessages.LimitRequest;
import dev.taskwire.master.admin.AdminMessages.Limits;
import dev.taskwire.master.admin.AdminMessages.SubmitRequest;
import dev.taskwire.master.admin.AdminMessages.Submitted;
import dev.taskwire.master.admin.AdminMessages.TaskList;
import dev.taskwire.master.admin.AdminMessages.TaskView;
import dev.taskwire.master.admin.AdminMessages.WaitRequest;
import dev.taskwire.master.scheduler.Job;
import dev.taskwire.master.scheduler.JobStatus;
import dev.taskwire.master.scheduler.QueueFullException;
import dev.taskwire.master.scheduler.Scheduler;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The admin API under {@code /api/v1}, on the master's own port: connections and tasks over JSON,
 * for the command-line client and for scripts. Every request needs {@code Authorization: Bearer
 * <admin token>} (the scheme in any case, the header once); answers are envelopes (codes in {@link
 * AdminErrorCode}). Connection names follow {@link ConnectionNames#RULE}, in bodies and in paths;
 * values a client or slave sent are escaped ({@link LogSafe}) before they reach a message. Bodies
 * are the records of {@link AdminMessages} (module taskwire-client), read by {@link AdminRequests}
 * (a job's options by the scheduler's own rules, {@link JobRequests}) and made by {@link AdminViews}.
 *
 * <p>Jobs go to the master's {@link Scheduler} ({@link Master#scheduler()}), which picks the
 * connection; group names follow the rule of connection names. {@code GET /api/v1/events} streams
 * the scheduler's events as Server-Sent Events ({@link EventStreams}).
 *
 * <p>Handlers only throw: what they throw is turned into an {@link AdminResponseException} in one
 * place, {@link #answerFor(Exception, Context)}, wrapped around every admin route; the protocol
 * endpoints beside them keep the server's own mapping.
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
  /** Longest error message built from what a client or slave sent; each value in it is cut shorter. */
  private static final int MESSAGE_CHARS = 1_000;
  private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {};
  /** Jobs {@code GET /api/v1/jobs} lists unless {@code ?limit} says otherwise (at most {@value AdminMessages#MAX_LIST}). */
  public static final int DEFAULT_JOB_LIST = 100;
  /**
   * The most bytes of jobs or tasks one answer holds, unless the heap is small ({@link
   * Builder#maxAnswerBytes(long)}); what {@link MasterClient} reads at most.
   */
  public static final long DEFAULT_MAX_ANSWER_BYTES = AdminMessages.DEFAULT_MAX_ANSWER_BYTES;
  /** The smallest bound on an answer: an envelope with one small job. */
  public static final long MIN_MAX_ANSWER_BYTES = 1024;
  private static final String WAIT_FEWER = "wait for fewer jobs at once";
  private static final String LIST_FEWER = "ask for fewer (a smaller ?limit, or only a ?status or ?group)";
  private static final String TASKS_FEWER = "ask for fewer (a smaller ?limit)";

  private final Token token;
  private final TaskHistory history;
  private final Duration defaultTaskTimeout;
  private final Duration eventKeepAlive;
  private final AnswerBudget budget;
  private final Duration answerWriteTimeout;
  /** Answers of jobs or tasks not yet written: long polls waiting, and answers being written. */
  private final AtomicInteger answersPending = new AtomicInteger();
  private Master master;
  private Scheduler scheduler;
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

  private AdminApi(Builder builder) {
    this.token = builder.token;
    this.history = new TaskHistory(builder.taskHistory);
    this.defaultTaskTimeout = builder.defaultTaskTimeout;
    this.eventKeepAlive = builder.eventKeepAlive;
    this.budget = new AnswerBudget(builder.maxAnswerBytes > 0 ? builder.maxAnswerBytes : defaultMaxAnswerBytes());
    this.answerWriteTimeout = builder.answerWriteTimeout;
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

  /** An admin API without a default task timeout. */
  public AdminApi(Token token, int taskHistory) {
    this(token, taskHistory, DEFAULT_TASK_TIMEOUT);
  }

  @Override
  public void register(Master master, JsonServer server) {
    this.master = master;
    this.scheduler = master.scheduler();
    this.eventStreams = new EventStreams(scheduler, eventKeepAlive);
    master.addConnectionListener(new ConnectionListener() {
      @Override
      public void masterShuttingDown() {
        // After the scheduler's own shutdown (it listens first), so that its last events are sent.
        eventStreams.shutdown();
      }
    });
    Javalin app = server.app();
    app.before("/api/v1/*", mapped(this::authorize));
    app.post("/api/v1/connections", mapped(ctx -> connect(ctx, server)));
    app.get("/api/v1/connections", mapped(this::listConnections));
    app.delete("/api/v1/connections/{name}", mapped(this::removeConnection));
    app.post("/api/v1/connections/{name}/tasks", mapped(ctx -> submit(ctx, server)));
    app.get("/api/v1/tasks", mapped(this::listTasks));
    app.get("/api/v1/tasks/{id}", mapped(this::getTask));
    app.get("/api/v1/tasks/{id}/wait", mapped(this::waitTask));
    app.post("/api/v1/jobs", mapped(ctx -> submitJob(ctx, server)));
    app.post("/api/v1/jobs/batch", mapped(ctx -> submitJobs(ctx, server)));
    app.post("/api/v1/jobs/wait", mapped(ctx -> waitJobs(ctx, server)));
    app.post("/api/v1/jobs/cancel", mapped(ctx -> cancelJobs(ctx, server)));
    app.get("/api/v1/jobs", mapped(this::listJobs));
    app.get("/api/v1/jobs/{id}", mapped(this::getJob));
    app.get("/api/v1/jobs/{id}/wait", mapped(this::waitJob));
    app.delete("/api/v1/jobs/{id}", mapped(this::cancelJob));
    app.post("/api/v1/jobs/{id}/complete", mapped(ctx -> completeJob(ctx, server)));
    app.get("/api/v1/scheduler", mapped(this::summary));
    app.put("/api/v1/limits/{group}", mapped(ctx -> putLimit(ctx, server)));
    app.delete("/api/v1/limits/{group}", mapped(this::removeLimit));
    app.get("/api/v1/events", mapped(ctx -> eventStreams.start(ctx)));
  }

  /** Event streams open now. */
  int openEventStreams() {
    return eventStreams == null ? 0 : eventStreams.open();
  }

  /** Answers of jobs or tasks not yet written now: long polls waiting, and answers being written. */
  int answersPending() {
    return answersPending.get();
  }

  /**
   * {@code handler} with the admin API's exception mapping. It is applied per route rather than as
   * the server's exception handlers, which answer the protocol endpoints and must stay as they are.
   */
  private static Handler mapped(Handler handler) {
    return ctx -> {
      try {
        handler.handle(ctx);
      } catch (Exception e) {
        throw answerFor(e, ctx);
      }
    };
  }

  /**
   * What an admin handler threw, as the exception the server answers (a {@link ResponseException}
   * becomes its envelope; anything else is a bug, logged and answered 500):
   *
   * <ul>
   *   <li>{@link ResponseException}: as it is, the API's own and the HTTP layer's (408, 413, 429);
   *   <li>{@link SlaveCallFailed}: 502 SLAVE_UNREACHABLE, or the slave's refusal (its code, 409);
   *   <li>{@link QueueFullException}: 429 QUEUE_FULL, with {@code data.capacity} and {@code data.queued};
   *   <li>{@link JsonFormatException} (a malformed body or field) and {@link
   *       IllegalArgumentException} (a bad name or host): 400 BAD_REQUEST;
   *   <li>{@link NoSuchElementException}: 404 NOT_FOUND, the path's connection is not live;
   *   <li>{@link IllegalStateException}: 409 CONFLICT (a name taken, a connection not in a state
   *       for this, the master shutting down).
   * </ul>
   */
  private static Exception answerFor(Exception e, Context ctx) {
    if (e instanceof ResponseException) {
      return e;
    }
    if (e instanceof SlaveCallFailed failed) {
      return failed.getCause() instanceof ResponseException refusal
          ? slaveRefused(refusal)
          : SLAVE_UNREACHABLE.exception(failed.slave + " could not be reached: " + reason((IOException) failed.getCause()));
    }
    if (e instanceof QueueFullException full) {
      return QUEUE_FULL.exception(safe(full.getMessage()),
          Map.of(AdminResponseException.QueueFull.CAPACITY, full.capacity(), AdminResponseException.QueueFull.QUEUED, full.queued()));
    }
    if (e instanceof JsonFormatException || e instanceof IllegalArgumentException) {
      // OkHttp's message about a bad host quotes it as given.
      return BAD_REQUEST.exception(safe(e.getMessage()));
    }
    if (e instanceof NoSuchElementException) {
      String name = ctx.pathParamMap().get("name");
      return NOT_FOUND.exception(name == null ? safe(e.getMessage()) : "no live connection named " + name);
    }
    if (e instanceof IllegalStateException) {
      return CONFLICT.exception(safe(e.getMessage()));
    }
    return e;
  }

  /** A request to a slave that failed: unreached ({@link IOException}) or refused ({@link ResponseException}). */
  private static final class SlaveCallFailed extends RuntimeException {
    /** The slave as messages name it, e.g. {@code slave 10.0.0.7:7236}. */
    final String slave;

    SlaveCallFailed(String slave, Exception cause) {
      super(cause.getMessage(), cause, false, false);
      this.slave = slave;
    }
  }

  /** A call that talks to a slave. */
  @FunctionalInterface
  private interface SlaveCall<T> {
    T call() throws IOException;
  }

  /**
   * Runs {@code call}, marking its failures as the slave's (so that a slave's 413, say, is not taken
   * for this request's own); {@code slave} names the slave in the message.
   */
  private static <T> T toSlave(String slave, SlaveCall<T> call) {
    try {
      return call.call();
    } catch (IOException | ResponseException e) {
      throw new SlaveCallFailed(slave, e);
    }
  }

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

  private void connect(Context ctx, JsonServer server) {
    // A control body: at most 64 KiB.
    ConnectRequest request = AdminRequests.connect(server.body(ctx));
    // Left out, https follows the master's own TLS: a master serving https talks https to slaves.
    SlaveConnection connection = (request.https() == null
        ? master.newConnection(request.name(), request.host(), request.port())
        : master.newConnection(request.name(), request.host(), request.port(), request.https()))
        .connectData(request.data())
        .labels(request.labels());
    Object answer = toSlave("slave " + LogSafe.escape(request.host()) + ":" + request.port(), connection::connect);
    success(ctx, "Connected.", new Connected(AdminViews.of(connection), answer));
  }

  private void listConnections(Context ctx) {
    List<ConnectionView> views = new ArrayList<>();
    master.names().stream().sorted().forEach(name -> {
      try {
        views.add(AdminViews.of(master.get(name)));
      } catch (NoSuchElementException goneMeanwhile) {
        // Dropped between names() and get(): not live any more, so not listed.
      }
    });
    success(ctx, "Connections.", new ConnectionList(views));
  }

  private void removeConnection(Context ctx) {
    String name = pathName(ctx);
    String message;
    try {
      master.remove(name);
      message = "Disconnected.";
    } catch (IllegalStateException endedMeanwhile) {
      // Ended (heartbeat check, another request) between the lookup and the disconnect: gone.
      throw new NoSuchElementException(name);
    } catch (IOException e) {
      message = "Removed; the slave could not be told: " + reason(e);
    } catch (ResponseException e) {
      message = "Removed; the slave refused to disconnect: " + LogSafe.escape(e.responseMessage());
    }
    JsonServer.success(ctx, message, null);
  }

  private void submit(Context ctx, JsonServer server) {
    String name = pathName(ctx);
    SubmitRequest request = AdminRequests.submit(server.dataBody(ctx));
    Duration timeout = request.timeout() == null ? defaultTaskTimeout : request.timeout();
    Task task = master.get(name).newTask(request.data()).timeout(timeout);
    history.add(task);
    toSlave("slave of " + name, task::start);
    success(ctx, "Task started.", new Submitted(task.id().value()));
  }

  private void listTasks(Context ctx) {
    int limit = queryInt(ctx, "limit", 100);
    answer(ctx, "Tasks.", new TaskList(budget.taskViews(history.newest(limit), TASKS_FEWER)));
  }

  private void getTask(Context ctx) {
    answer(ctx, "Task.", AdminViews.of(task(ctx)));
  }

  private void waitTask(Context ctx) {
    Task task = task(ctx);
    Duration timeout = queryDuration(ctx, "timeout", DEFAULT_WAIT);
    // Waits without holding an HTTP thread; answers the task as it is when final or at the timeout.
    answerWhen(ctx, task.future().completeOnTimeout(task, timeout.toNanos(), TimeUnit.NANOSECONDS),
        t -> AsyncAnswer.Body.success(t.status().isFinal() ? "Task final." : "Task not final yet.", AdminViews.of(t)));
  }

  private Task task(Context ctx) {
    String id = ctx.pathParam("id");
    Task task = history.get(id);
    if (task == null) {
      throw NOT_FOUND.exception("no task " + LogSafe.escape(id) + " (only the last " + history.capacity() + " submitted through this API are kept)");
    }
    return task;
  }

  private void submitJob(Context ctx, JsonServer server) {
    // A data body: it carries the job's data.
    JobSubmit request = AdminRequests.job(server.dataBody(ctx));
    Job job = scheduler.submit(request.data(), JobRequests.options(request.options()));
    success(ctx, "Job queued.", new Submitted(job.id()));
  }

  private void submitJobs(Context ctx, JsonServer server) {
    JobBatch request = AdminRequests.batch(server.dataBody(ctx));
    List<Job> jobs = scheduler.submitAll(request.data(), JobRequests.options(request.options()));
    success(ctx, jobs.size() + " jobs queued.", new JobIds(jobs.stream().map(Job::id).toList()));
  }

  private void listJobs(Context ctx) {
    JobStatus status = queryStatus(ctx);
    String group = ctx.queryParam("group") == null ? null : AdminRequests.group(ctx.queryParam("group"), "group");
    int limit = queryInt(ctx, "limit", DEFAULT_JOB_LIST, AdminMessages.MAX_LIST);
    answer(ctx, "Jobs.", new JobList(budget.jobViews(scheduler.jobs(status, group, limit), LIST_FEWER)));
  }

  private void getJob(Context ctx) {
    answer(ctx, "Job.", AdminViews.of(job(ctx.pathParam("id"))));
  }

  private void waitJob(Context ctx) {
    Job job = job(ctx.pathParam("id"));
    Duration timeout = queryDuration(ctx, "timeout", DEFAULT_WAIT);
    // As waitTask: no HTTP thread held; the job as it is when final (callbacks run) or at the timeout.
    answerWhen(ctx, job.future().completeOnTimeout(job, timeout.toNanos(), TimeUnit.NANOSECONDS),
        j -> AsyncAnswer.Body.success(j.status().isFinal() ? "Job final." : "Job not final yet.", AdminViews.of(j)));
  }

  private void waitJobs(Context ctx, JsonServer server) {
    // A data body: 10,000 ids take more than a control body's 64 KiB.
    WaitRequest request = AdminRequests.await(server.dataBody(ctx));
    Duration timeout = request.timeout() == null ? DEFAULT_WAIT : request.timeout();
    if (timeout.compareTo(MAX_WAIT) > 0) {
      throw BAD_REQUEST.exception("timeout must be at most " + Durations.format(MAX_WAIT) + ", got " + Durations.format(timeout));
    }
    List<Job> jobs = new ArrayList<>(request.ids().size());
    for (String id : request.ids()) {
      jobs.add(job(id)); // every id known before any wait
    }
    // Sized now, with what the jobs hold so far (a refusal need not wait), and again with their results.
    budget.jobViews(jobs, WAIT_FEWER);
    CompletableFuture<?>[] finals = jobs.stream().map(Job::future).toArray(CompletableFuture[]::new);
    answerWhen(ctx, CompletableFuture.allOf(finals).completeOnTimeout(null, timeout.toNanos(), TimeUnit.NANOSECONDS),
        ignored -> {
          List<JobView> views = budget.jobViews(jobs, WAIT_FEWER);
          boolean allFinal = views.stream().allMatch(JobView::isFinal);
          return AsyncAnswer.Body.success(allFinal ? "Jobs final." : "Not every job final yet.", new JobList(views));
        });
  }

  private void cancelJob(Context ctx) {
    boolean cancelled = job(ctx.pathParam("id")).cancel();
    success(ctx, cancelled ? "Job cancelled." : "Job already final.", new Cancelled(cancelled ? 1 : 0));
  }

  private void cancelJobs(Context ctx, JsonServer server) {
    CancelRequest request = AdminRequests.cancel(server.body(ctx));
    int cancelled = request.group() != null ? scheduler.cancelGroup(request.group()) : scheduler.cancelAll();
    success(ctx, cancelled + " jobs cancelled.", new Cancelled(cancelled));
  }

  private void completeJob(Context ctx, JsonServer server) {
    Job job = job(ctx.pathParam("id"));
    // A data body: it carries a result.
    CompleteRequest request = AdminRequests.complete(server.dataBody(ctx));
    boolean completed = job.complete(request.result());
    success(ctx, completed ? "Job completed." : "Job already final.", new Completed(completed));
  }

  private void summary(Context ctx) {
    success(ctx, "Scheduler.", AdminViews.of(scheduler.summary()));
  }

  private void putLimit(Context ctx, JsonServer server) {
    String group = pathGroup(ctx);
    LimitRequest request = AdminRequests.limit(server.body(ctx));
    scheduler.limit(group, request.limit());
    success(ctx, "Limit set.", new Limits(new java.util.TreeMap<>(scheduler.limits())));
  }

  private void removeLimit(Context ctx) {
    scheduler.removeLimit(pathGroup(ctx));
    success(ctx, "Limit removed.", new Limits(new java.util.TreeMap<>(scheduler.limits())));
  }

  /** The kept job {@code id}; 404 naming it if there is none. */
  private Job job(String id) {
    return scheduler.job(id).orElseThrow(() -> NOT_FOUND.exception("no job " + LogSafe.escape(id) + " (every job not"
        + " final is kept, and only the last " + scheduler.jobHistory() + " final ones)"));
  }

  /** The {@code {group}} path parameter, if it follows the rule of group names. */
  private static String pathGroup(Context ctx) {
    return AdminRequests.group(ctx.pathParam("group"), "group");
  }

  private static JobStatus queryStatus(Context ctx) {
    String text = ctx.queryParam("status");
    if (text == null) {
      return null;
    }
    for (JobStatus status : JobStatus.values()) {
      if (status.name().equals(text)) {
        return status;
      }
    }
    throw BAD_REQUEST.exception("status must be one of " + java.util.Arrays.toString(JobStatus.values()) + ", got '"
        + LogSafe.escape(text) + "'");
  }

  /**
   * Answers a success envelope whose data is {@code view}, which holds jobs or tasks: written
   * without blocking, as {@link #answerWhen} does.
   */
  private void answer(Context ctx, String message, Object view) {
    answerWhen(ctx, CompletableFuture.completedFuture(view), v -> AsyncAnswer.Body.success(message, v));
  }

  /**
   * Answers once {@code ready} completes with what {@code answer} makes of its value, on one of
   * Jetty's threads rather than the one that completed {@code ready}, and written without blocking
   * within the answer write timeout ({@link AsyncAnswer}).
   */
  private <T> void answerWhen(Context ctx, CompletableFuture<T> ready, Function<? super T, AsyncAnswer.Body> answer) {
    answersPending.incrementAndGet();
    AsyncAnswer.send(ctx, ready, answer, answerWriteTimeout).whenComplete((ignored, e) -> answersPending.decrementAndGet());
  }

  /** Answers a success envelope whose data is {@code view}, one of the {@link AdminMessages} records. */
  private static void success(Context ctx, String message, Object view) {
    Map<String, Object> data;
    try {
      data = Json.MAPPER.convertValue(view, OBJECT);
    } catch (IllegalArgumentException e) {
      // A hook's value that Jackson cannot write is a bug, answered 500 and logged: not a bad request.
      throw new RuntimeException("answer not writable as JSON", e);
    }
    JsonServer.success(ctx, message, data);
  }

  /**
   * The {@code {name}} path parameter if it follows {@link ConnectionNames#RULE}: a name that no
   * connection can have is a bad request (its {@link IllegalArgumentException}), not an unknown
   * connection.
   */
  private static String pathName(Context ctx) {
    return ConnectionNames.require(ctx.pathParam("name"));
  }

  private static ResponseException slaveRefused(ResponseException e) {
    Map<String, Object> data = new LinkedHashMap<>(e.data());
    data.put(AdminResponseException.SlaveRefused.SLAVE_STATUS, e.httpStatus());
    String kind = e instanceof SlaveResponseException s ? s.errorCode().name() : "code " + e.code();
    return new AdminResponseException.SlaveRefused(SLAVE_REFUSED.httpStatus(), e.code(),
        "the slave refused (" + kind + "): " + LogSafe.escape(e.responseMessage()), data);
  }

  /** A message that may quote what a client or slave sent, escaped and bounded. */
  private static String safe(String message) {
    return LogSafe.escape(message, MESSAGE_CHARS);
  }

  /** Why a request to a slave failed, without the exception's class name. */
  /** In plain words: the JDK's messages name its classes (a TLS failure's PKIX path...) and quote the far side. */
  private static String reason(IOException e) {
    return dev.taskwire.common.http.TransportFailure.describe(e);
  }

  private static int queryInt(Context ctx, String name, int fallback) {
    String text = ctx.queryParam(name);
    if (text == null) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(text);
      if (value < 1) {
        throw new NumberFormatException();
      }
      return value;
    } catch (NumberFormatException e) {
      throw BAD_REQUEST.exception(name + " must be a positive integer, got '" + LogSafe.escape(text) + "'");
    }
  }

  /** {@link #queryInt(Context, String, int)} of at most {@code max}. */
  private static int queryInt(Context ctx, String name, int fallback, int max) {
    int value = queryInt(ctx, name, fallback);
    if (value > max) {
      throw BAD_REQUEST.exception(name + " must be 1.." + max + ", got " + value);
    }
    return value;
  }

  private static Duration queryDuration(Context ctx, String name, Duration fallback) {
    String text = ctx.queryParam(name);
    if (text == null) {
      return fallback;
    }
    Duration value;
    try {
      value = Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw BAD_REQUEST.exception(name + ": " + safe(e.getMessage()));
    }
    if (value.compareTo(MAX_WAIT) > 0) {
      throw BAD_REQUEST.exception(name + " must be at most " + Durations.format(MAX_WAIT) + ", got " + LogSafe.escape(text));
    }
    return value;
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
