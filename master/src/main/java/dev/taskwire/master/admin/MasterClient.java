package dev.taskwire.master.admin;

import dev.taskwire.common.http.BaseUrl;
import dev.taskwire.common.http.HttpEngine;
import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.protocol.Token;
import dev.taskwire.master.admin.AdminMessages.ConnectRequest;
import dev.taskwire.master.admin.AdminMessages.Connected;
import dev.taskwire.master.admin.AdminMessages.ConnectionList;
import dev.taskwire.master.admin.AdminMessages.ConnectionView;
import dev.taskwire.master.admin.AdminMessages.SubmitRequest;
import dev.taskwire.master.admin.AdminMessages.Submitted;
import dev.taskwire.master.admin.AdminMessages.TaskList;
import dev.taskwire.master.admin.AdminMessages.TaskView;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Java client of a master's admin API ({@link AdminApi}). Each method is one request; bodies and
 * answers are the records of {@link AdminMessages}. A failure answer is thrown as the {@link
 * AdminResponseException} subclass of its code ({@link AdminResponseException.SlaveRefused} with
 * the slave's code), a failure of the HTTP layer (408, 413, 429, an answer that is not an envelope)
 * as a plain {@link ResponseException}, an unreachable master as an {@link IOException}.
 * Thread-safe.
 */
public final class MasterClient {
  private final HttpEngine engine;
  private final Map<String, String> headers;

  /** A client of the master at {@code masterUrl} (e.g. {@code http://10.0.0.5:7235}) using {@code token}. */
  public MasterClient(String masterUrl, Token token) {
    Objects.requireNonNull(token, "token == null");
    // A long poll may take the longest wait, plus a margin for the answer itself.
    this.engine = HttpEngine.builder(BaseUrl.parse(masterUrl), Side.ADMIN)
        .retries(0)
        .readTimeout(AdminApi.MAX_WAIT.plusSeconds(15))
        .build();
    this.headers = Map.of("Authorization", "Bearer " + token.value());
  }

  /**
   * Connects the master to the slave at {@code host}:{@code port} under {@code name}; returns the
   * connection as listed by {@link #connections()}, with {@code answer} the after-connect value.
   */
  public Connected connect(String name, String host, int port, boolean https, Map<String, Object> data)
      throws IOException {
    return send("POST", "/api/v1/connections", new ConnectRequest(name, host, port, https, data), Connected.class);
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
    return send("POST", "/api/v1/connections/" + encode(name) + "/tasks", new SubmitRequest(data, null), Submitted.class).id();
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
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      Duration poll = Duration.ofNanos(Math.max(Math.min(left, AdminApi.DEFAULT_WAIT.toNanos()), 1_000_000));
      TaskView task = await(id, poll);
      if (task.isFinal() || deadline - System.nanoTime() <= 0) {
        return task;
      }
    }
  }

  /** Up to {@code limit} recent tasks, newest first. */
  public List<TaskView> tasks(int limit) throws IOException {
    return send("GET", "/api/v1/tasks?limit=" + limit, null, TaskList.class).tasks();
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
