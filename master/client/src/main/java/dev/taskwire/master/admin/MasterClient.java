package dev.taskwire.master.admin;

import dev.taskwire.common.http.BaseUrl;
import dev.taskwire.common.http.HttpEngine;
import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.tls.ClientTls;
import dev.taskwire.master.admin.AdminMessages.CancelRequest;
import dev.taskwire.master.admin.AdminMessages.Cancelled;
import dev.taskwire.master.admin.AdminMessages.CompleteRequest;
import dev.taskwire.master.admin.AdminMessages.Completed;
import dev.taskwire.master.admin.AdminMessages.ConnectRequest;
import dev.taskwire.master.admin.AdminMessages.Connected;
import dev.taskwire.master.admin.AdminMessages.ConnectionList;
import dev.taskwire.master.admin.AdminMessages.ConnectionView;
import dev.taskwire.master.admin.AdminMessages.EventView;
import dev.taskwire.master.admin.AdminMessages.JobBatch;
import dev.taskwire.master.admin.AdminMessages.JobIds;
import dev.taskwire.master.admin.AdminMessages.JobList;
import dev.taskwire.master.admin.AdminMessages.JobRequest;
import dev.taskwire.master.admin.AdminMessages.JobSubmit;
import dev.taskwire.master.admin.AdminMessages.JobView;
import dev.taskwire.master.admin.AdminMessages.LimitRequest;
import dev.taskwire.master.admin.AdminMessages.Limits;
import dev.taskwire.master.admin.AdminMessages.SubmitRequest;
import dev.taskwire.master.admin.AdminMessages.Submitted;
import dev.taskwire.master.admin.AdminMessages.SummaryView;
import dev.taskwire.master.admin.AdminMessages.TaskList;
import dev.taskwire.master.admin.AdminMessages.TaskView;
import dev.taskwire.master.admin.AdminMessages.WaitRequest;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A Java client of a master's admin API ({@code AdminApi} of the master library). Each method is
 * one request; bodies and answers are the records of {@link AdminMessages}. A failure answer is thrown as the {@link
 * AdminResponseException} subclass of its code ({@link AdminResponseException.SlaveRefused} with
 * the slave's code), a failure of the HTTP layer (408, 413, 429, an answer that is not an envelope)
 * as a plain {@link ResponseException}, an unreachable master as an {@link IOException}.
 * Thread-safe.
 *
 * <p>Jobs go to the master's scheduler, which picks the connection: {@link #submitJob}, {@link
 * #submitJobs}, then {@link #awaitJob} or {@link #awaitJobs}; a full queue is thrown as {@link
 * AdminResponseException.QueueFull}. {@link #events(Consumer)} follows the scheduler's events.
 *
 * <p>Answers are read up to {@link AdminMessages#DEFAULT_MAX_ANSWER_BYTES}; one that would hold more
 * bytes of jobs or tasks than the master answers at once is refused by the master, thrown as
 * {@link AdminResponseException.AnswerTooLarge}, whose {@link
 * AdminResponseException.AnswerTooLarge#fit() fit()} says how many would have fit.
 */
public final class MasterClient {
  private final BaseUrl baseUrl;
  private final HttpEngine engine;
  private final Map<String, String> headers;
  private final ClientTls tls;

  /**
   * A client of the master at {@code masterUrl} (e.g. {@code http://10.0.0.5:7235}) using {@code
   * token}; an {@code https://} master is checked against the JVM's trust store.
   */
  public MasterClient(String masterUrl, Token token) {
    this(masterUrl, token, null);
  }

  /**
   * A client of the master at {@code masterUrl} using {@code token}, whose https requests use {@code
   * tls} (trusting the master's CA; presenting a client certificate to a master with mutual TLS).
   * A null {@code tls} is the JVM's defaults, as {@link #MasterClient(String, Token)}.
   */
  public MasterClient(String masterUrl, Token token, ClientTls tls) {
    Objects.requireNonNull(token, "token == null");
    this.baseUrl = BaseUrl.parse(masterUrl);
    this.tls = tls;
    // A long poll may take the longest wait, plus a margin for the answer itself.
    HttpEngine.Builder engine = HttpEngine.builder(baseUrl, Side.ADMIN)
        .retries(0)
        .readTimeout(AdminMessages.MAX_WAIT.plusSeconds(15))
        // As large as a master with the default bound answers (an answer of many jobs, say).
        .maxAnswerBytes(AdminMessages.DEFAULT_MAX_ANSWER_BYTES);
    if (tls != null) {
      engine.tls(tls);
    }
    this.engine = engine.build();
    this.headers = Map.of("Authorization", "Bearer " + token.value());
  }

  /**
   * Connects the master to the slave at {@code host}:{@code port} under {@code name}, over https if
   * {@code https} is true, http if false, and as the master's own TLS if null (https when it serves
   * https); returns the connection as listed by {@link #connections()}, with {@code answer} the
   * after-connect value.
   */
  public Connected connect(String name, String host, int port, Boolean https, Map<String, Object> data)
      throws IOException {
    return send("POST", "/api/v1/connections", new ConnectRequest(name, host, port, https, data), Connected.class);
  }

  /**
   * {@link #connect(String, String, int, boolean, Map)} with {@code labels} given on the master, for
   * a slave that cannot announce its own (a reference slave): the scheduler routes jobs by them.
   */
  public Connected connect(String name, String host, int port, Boolean https, Map<String, Object> data,
      List<String> labels) throws IOException {
    return send("POST", "/api/v1/connections", new ConnectRequest(name, host, port, https, data, labels), Connected.class);
  }

  /** Disconnects and removes the connection {@code name}; returns the master's message. */
  public String disconnect(String name) throws IOException {
    return send("DELETE", "/api/v1/connections/" + encode(name), null).message();
  }

  /** The live connections, by name. */
  public List<ConnectionView> connections() throws IOException {
    return send("GET", "/api/v1/connections", null, ConnectionList.class).connections();
  }

  /** Submits a task with {@code data} to the connection {@code name}, with the API's default timeout; returns the task id. */
  public String submit(String name, Map<String, Object> data) throws IOException {
    return submit(name, data, null);
  }

  /**
   * Submits a task with {@code data} and {@code timeout} (zero: none; null: the API's default) to
   * the connection {@code name}; returns the task id.
   */
  public String submit(String name, Map<String, Object> data, Duration timeout) throws IOException {
    return send("POST", "/api/v1/connections/" + encode(name) + "/tasks", new SubmitRequest(data, timeout), Submitted.class).id();
  }

  /** The task {@code id}. */
  public TaskView task(String id) throws IOException {
    return send("GET", "/api/v1/tasks/" + encode(id), null, TaskView.class);
  }

  /** Waits up to {@code timeout} (at most 60 s) for the task to be final; returns it as {@link #task(String)} does. */
  public TaskView await(String id, Duration timeout) throws IOException {
    return send("GET", "/api/v1/tasks/" + encode(id) + "/wait?timeout=" + timeout.toMillis() + "ms", null, TaskView.class);
  }

  /**
   * Waits up to {@code limit} (any length, in long polls of at most 30 s) for the task to be final;
   * returns it as it is then.
   */
  public TaskView awaitFinal(String id, Duration limit) throws IOException {
    return untilFinal(limit, poll -> await(id, poll), TaskView::isFinal);
  }

  /**
   * Waits up to {@code limit} (any length, in long polls of at most 30 s) for the job to be final;
   * returns it as it is then.
   */
  public JobView awaitJobFinal(String id, Duration limit) throws IOException {
    return untilFinal(limit, poll -> awaitJob(id, poll), JobView::isFinal);
  }

  /**
   * {@link #awaitFinal(String, Duration)}, telling {@code onPoll} of the task as it is after each
   * poll, every {@code every} at most, so that a caller can show its progress.
   */
  public TaskView awaitFinal(String id, Duration limit, Duration every, java.util.function.Consumer<TaskView> onPoll)
      throws IOException {
    return untilFinal(limit, poll -> observed(await(id, shorter(poll, every)), onPoll), TaskView::isFinal);
  }

  /** {@link #awaitJobFinal(String, Duration)}, telling {@code onPoll} of the job after each poll, every {@code every} at most. */
  public JobView awaitJobFinal(String id, Duration limit, Duration every, java.util.function.Consumer<JobView> onPoll)
      throws IOException {
    return untilFinal(limit, poll -> observed(awaitJob(id, shorter(poll, every)), onPoll), JobView::isFinal);
  }

  private static <T> T observed(T answer, java.util.function.Consumer<T> onPoll) {
    onPoll.accept(answer);
    return answer;
  }

  private static Duration shorter(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** The next long poll's wait for {@code left} of a longer wait: at most 30 s, at least 1 ms. */
  public static Duration longPoll(Duration left) {
    return Duration.ofNanos(Math.max(Math.min(left.toNanos(), AdminMessages.DEFAULT_WAIT.toNanos()), 1_000_000));
  }

  /** One long poll, for {@link #untilFinal}. */
  @FunctionalInterface
  private interface LongPoll<T> {
    T await(Duration poll) throws IOException;
  }

  /** Repeats {@code poll} until what it answers is final or {@code limit} has passed; returns the last answer. */
  private static <T> T untilFinal(Duration limit, LongPoll<T> poll, java.util.function.Predicate<T> isFinal)
      throws IOException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      T answer = poll.await(longPoll(Duration.ofNanos(deadline - System.nanoTime())));
      if (isFinal.test(answer) || deadline - System.nanoTime() <= 0) {
        return answer;
      }
    }
  }

  /**
   * Up to {@code limit} recent tasks, newest first.
   *
   * @throws AdminResponseException.AnswerTooLarge if they would pass the master's bound on an answer
   */
  public List<TaskView> tasks(int limit) throws IOException {
    return send("GET", "/api/v1/tasks?limit=" + limit, null, TaskList.class).tasks();
  }

  // The scheduler's jobs.

  /** {@link #submitJob(Map, JobRequest)} with every option at its default. */
  public String submitJob(Map<String, Object> data) throws IOException {
    return submitJob(data, JobRequest.DEFAULTS);
  }

  /**
   * Queues a job with {@code data} and {@code options} on the master's scheduler; returns its id.
   *
   * @throws AdminResponseException.QueueFull if the queue has no room (nothing was queued)
   * @throws AdminResponseException.BadRequest naming an option out of range
   */
  public String submitJob(Map<String, Object> data, JobRequest options) throws IOException {
    return send("POST", "/api/v1/jobs", new JobSubmit(data, options), Submitted.class).id();
  }

  /**
   * Queues one job per element of {@code data} (1 to {@value AdminMessages#MAX_BATCH}), all with
   * {@code options}: all of them or, if they do not fit in the queue, none. Returns their ids, in
   * the order of {@code data}.
   *
   * @throws AdminResponseException.QueueFull if they do not all fit (nothing was queued)
   */
  public List<String> submitJobs(List<? extends Map<String, Object>> data, JobRequest options) throws IOException {
    return send("POST", "/api/v1/jobs/batch", new JobBatch(new ArrayList<>(data), options), JobIds.class).ids();
  }

  /** The job {@code id}, while the master keeps it (every job not final, and the last final ones). */
  public JobView job(String id) throws IOException {
    return send("GET", "/api/v1/jobs/" + encode(id), null, JobView.class);
  }

  /** Waits up to {@code timeout} (at most 60 s) for the job to be final; returns it as it is then. */
  public JobView awaitJob(String id, Duration timeout) throws IOException {
    return send("GET", "/api/v1/jobs/" + encode(id) + "/wait?timeout=" + timeout.toMillis() + "ms", null, JobView.class);
  }

  /**
   * Waits up to {@code timeout} (at most 60 s) for every job of {@code ids} (1 to {@value
   * AdminMessages#MAX_BATCH}, none twice) to be final; returns them as they are then, in the order
   * of {@code ids}.
   *
   * @throws AdminResponseException.BadRequest if an id is listed twice
   * @throws AdminResponseException.AnswerTooLarge if the jobs would pass the master's bound on an
   *     answer, with their data and results so far (before any wait) or once final
   */
  public List<JobView> awaitJobs(List<String> ids, Duration timeout) throws IOException {
    return send("POST", "/api/v1/jobs/wait", new WaitRequest(List.copyOf(ids), timeout), JobList.class).jobs();
  }

  /**
   * Up to {@code limit} (1 to {@value AdminMessages#MAX_LIST}) kept jobs, newest first, with {@code
   * status} (a {@link JobView#status()} such as {@code "QUEUED"}; null for any) in {@code group}
   * (null for any).
   *
   * @throws AdminResponseException.BadRequest if {@code status} is no job status
   * @throws AdminResponseException.AnswerTooLarge if they would pass the master's bound on an answer
   */
  public List<JobView> jobs(String status, String group, int limit) throws IOException {
    StringBuilder path = new StringBuilder("/api/v1/jobs?limit=").append(limit);
    if (status != null) {
      path.append("&status=").append(encode(status));
    }
    if (group != null) {
      path.append("&group=").append(encode(group));
    }
    return send("GET", path.toString(), null, JobList.class).jobs();
  }

  /** Cancels the job {@code id}; false if it was already final. */
  public boolean cancelJob(String id) throws IOException {
    return send("DELETE", "/api/v1/jobs/" + encode(id), null, Cancelled.class).cancelled() == 1;
  }

  /** Cancels every job of {@code group} not yet final; returns how many. */
  public int cancelGroup(String group) throws IOException {
    return send("POST", "/api/v1/jobs/cancel", CancelRequest.ofGroup(group), Cancelled.class).cancelled();
  }

  /** Cancels every job not yet final; returns how many. */
  public int cancelAll() throws IOException {
    return send("POST", "/api/v1/jobs/cancel", CancelRequest.ofAll(), Cancelled.class).cancelled();
  }

  /**
   * Completes the job {@code id} by hand with {@code result} (a running attempt is cancelled);
   * false if it was already final.
   */
  public boolean completeJob(String id, Map<String, Object> result) throws IOException {
    return send("POST", "/api/v1/jobs/" + encode(id) + "/complete", new CompleteRequest(result), Completed.class)
        .completed();
  }

  /** What the scheduler holds now: queued, running, by priority and group, limits, free slots, totals. */
  public SummaryView schedulerSummary() throws IOException {
    return send("GET", "/api/v1/scheduler", null, SummaryView.class);
  }

  /** Lets at most {@code running} jobs of {@code group} run at once; returns every group limit now. */
  public Map<String, Integer> limit(String group, int running) throws IOException {
    return send("PUT", "/api/v1/limits/" + encode(group), new LimitRequest(running), Limits.class).limits();
  }

  /** Removes {@code group}'s limit (nothing if it has none); returns every group limit now. */
  public Map<String, Integer> removeLimit(String group) throws IOException {
    return send("DELETE", "/api/v1/limits/" + encode(group), null, Limits.class).limits();
  }

  /**
   * Follows the scheduler's events: returns once the master has opened the stream, after which each
   * event reaches {@code listener}, in order, on the stream's own thread (keep it quick: the master
   * drops a stream that falls 10,000 events behind). Close the stream to stop.
   *
   * @throws AdminResponseException.TooManyStreams if the master serves as many streams as it allows
   * @throws IOException if the master could not be reached
   */
  public EventStream events(Consumer<EventView> listener) throws IOException {
    return EventStream.open(baseUrl.resolve("/api/v1/events"), headers, tls, listener);
  }

  /** Sends one request; the answer's data as {@code type}. */
  private <T> T send(String method, String path, Object body, Class<T> type) throws IOException {
    return Json.convert(send(method, path, body).dataOrEmpty(), type);
  }

  /** Sends one request; a failure answer is thrown as its exception ({@link AdminResponseException#fromResponse}). */
  private Envelope send(String method, String path, Object body) throws IOException {
    try {
      return engine.send(method, path, body, headers);
    } catch (ResponseException e) {
      throw AdminResponseException.fromResponse(e);
    }
  }

  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
