package dev.taskwire.master.admin;

import dev.taskwire.common.http.BaseUrl;
import dev.taskwire.common.http.HttpEngine;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.protocol.Token;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Java client of a master's admin API ({@link AdminApi}). Each method is one request; a failure
 * answer is thrown as a {@link ResponseException} (HTTP status, admin or slave code, message), an
 * unreachable master as an {@link IOException}. Thread-safe.
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
  public Map<String, Object> connect(String name, String host, int port, boolean https, Map<String, Object> data)
      throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", name);
    body.put("host", host);
    body.put("port", port);
    body.put("https", https);
    body.put("data", data);
    return engine.send("POST", "/api/v1/connections", body, headers).dataOrEmpty();
  }

  /** Disconnects and removes the connection {@code name}; returns the master's message. */
  public String disconnect(String name) throws IOException {
    return engine.send("DELETE", "/api/v1/connections/" + encode(name), null, headers).message();
  }

  /** The live connections: name, slave, state, slots, extensions, lastHeartbeatAgeMs, tasksInFlight. */
  @SuppressWarnings("unchecked")
  public List<Map<String, Object>> connections() throws IOException {
    return (List<Map<String, Object>>) engine.send("GET", "/api/v1/connections", null, headers).dataOrEmpty().get("connections");
  }

  /** Submits a task with {@code data} to the connection {@code name}; returns the task id. */
  public String submit(String name, Map<String, Object> data) throws IOException {
    Map<String, Object> answer =
        engine.send("POST", "/api/v1/connections/" + encode(name) + "/tasks", Map.of("data", data), headers).dataOrEmpty();
    return (String) answer.get("id");
  }

  /** The task {@code id}: id, connection, status, final, data, result, failure, createdAt, startedAt, finishedAt. */
  public Map<String, Object> task(String id) throws IOException {
    return engine.send("GET", "/api/v1/tasks/" + encode(id), null, headers).dataOrEmpty();
  }

  /** Waits up to {@code timeout} (at most 60 s) for the task to be final; returns it as {@link #task(String)} does. */
  public Map<String, Object> await(String id, Duration timeout) throws IOException {
    return engine.send("GET", "/api/v1/tasks/" + encode(id) + "/wait?timeout=" + timeout.toMillis() + "ms", null, headers)
        .dataOrEmpty();
  }

  /**
   * Waits up to {@code limit} (any length, in long polls of at most 30 s) for the task to be final;
   * returns it as it is then.
   */
  public Map<String, Object> awaitFinal(String id, Duration limit) throws IOException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      Duration poll = Duration.ofNanos(Math.max(Math.min(left, AdminApi.DEFAULT_WAIT.toNanos()), 1_000_000));
      Map<String, Object> task = await(id, poll);
      if (Boolean.TRUE.equals(task.get("final")) || deadline - System.nanoTime() <= 0) {
        return task;
      }
    }
  }

  /** Up to {@code limit} recent tasks, newest first. */
  @SuppressWarnings("unchecked")
  public List<Map<String, Object>> tasks(int limit) throws IOException {
    return (List<Map<String, Object>>) engine.send("GET", "/api/v1/tasks?limit=" + limit, null, headers).dataOrEmpty().get("tasks");
  }

  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
