package dev.taskwire.master.admin;

import static dev.taskwire.master.admin.AdminErrorCode.BAD_REQUEST;
import static dev.taskwire.master.admin.AdminErrorCode.CONFLICT;
import static dev.taskwire.master.admin.AdminErrorCode.NOT_FOUND;
import static dev.taskwire.master.admin.AdminErrorCode.SLAVE_REFUSED;
import static dev.taskwire.master.admin.AdminErrorCode.SLAVE_UNREACHABLE;
import static dev.taskwire.master.admin.AdminErrorCode.UNAUTHORIZED;

import dev.taskwire.common.http.JsonServer;
import dev.taskwire.common.json.Json;
import dev.taskwire.common.json.JsonFields;
import dev.taskwire.common.json.JsonFormatException;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.protocol.SlaveResponseException;
import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.util.Durations;
import dev.taskwire.common.util.LogSafe;
import dev.taskwire.master.ConnectionNames;
import dev.taskwire.master.Master;
import dev.taskwire.master.MasterExtension;
import dev.taskwire.master.SlaveConnection;
import dev.taskwire.master.Task;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The admin API under {@code /api/v1}, on the master's own port: connections and tasks over JSON,
 * for the command-line client and for scripts. Every request needs {@code Authorization: Bearer
 * <admin token>} (the scheme in any case, the header once); answers are envelopes (codes in {@link
 * AdminErrorCode}). Connection names follow {@link ConnectionNames#RULE}, in bodies and in paths;
 * values a client or slave sent are escaped ({@link LogSafe}) before they reach a message.
 *
 * <table>
 *   <caption>Endpoints</caption>
 *   <tr><td>POST /api/v1/connections</td><td>{@code {name, host, port, https, data}}: connect</td></tr>
 *   <tr><td>GET /api/v1/connections</td><td>list live connections</td></tr>
 *   <tr><td>DELETE /api/v1/connections/{name}</td><td>disconnect and remove</td></tr>
 *   <tr><td>POST /api/v1/connections/{name}/tasks</td><td>{@code {data, timeout}}: submit; answers the id</td></tr>
 *   <tr><td>GET /api/v1/tasks</td><td>recent tasks, newest first ({@code ?limit=N})</td></tr>
 *   <tr><td>GET /api/v1/tasks/{id}</td><td>one task</td></tr>
 *   <tr><td>GET /api/v1/tasks/{id}/wait</td><td>long poll until final ({@code ?timeout=30s}, at most 60 s)</td></tr>
 * </table>
 */
public final class AdminApi implements MasterExtension {
  /** Default number of submitted tasks remembered for {@code GET /api/v1/tasks}. */
  public static final int DEFAULT_TASK_HISTORY = 10_000;
  /** Default and longest wait of a long poll. */
  public static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);
  public static final Duration MAX_WAIT = Duration.ofSeconds(60);
  /** The default slave port when a connect request names none. */
  static final int DEFAULT_SLAVE_PORT = 7236;
  /** Longest error message built from what a client or slave sent; each value in it is cut shorter. */
  private static final int MESSAGE_CHARS = 1_000;

  private final Token token;
  private final TaskHistory history;
  private final Duration defaultTaskTimeout;
  private Master master;

  /**
   * An admin API that accepts {@code token}, remembers the last {@code taskHistory} tasks, and gives
   * submitted tasks {@code defaultTaskTimeout} unless the request says otherwise (zero: none).
   */
  public AdminApi(Token token, int taskHistory, Duration defaultTaskTimeout) {
    this.token = Objects.requireNonNull(token, "token == null");
    this.history = new TaskHistory(taskHistory);
    this.defaultTaskTimeout = Objects.requireNonNull(defaultTaskTimeout, "defaultTaskTimeout == null");
  }

  /** An admin API without a default task timeout. */
  public AdminApi(Token token, int taskHistory) {
    this(token, taskHistory, Duration.ZERO);
  }

  @Override
  public void register(Master master, JsonServer server) {
    this.master = master;
    Javalin app = server.app();
    app.before("/api/v1/*", this::authorize);
    app.post("/api/v1/connections", ctx -> connect(ctx, server));
    app.get("/api/v1/connections", this::listConnections);
    app.delete("/api/v1/connections/{name}", this::removeConnection);
    app.post("/api/v1/connections/{name}/tasks", ctx -> submit(ctx, server));
    app.get("/api/v1/tasks", this::listTasks);
    app.get("/api/v1/tasks/{id}", this::getTask);
    app.get("/api/v1/tasks/{id}/wait", this::waitTask);
  }

  private void authorize(Context ctx) {
    // Two headers could be read differently by a proxy in front and by us: refuse rather than pick one.
    if (Collections.list(ctx.req().getHeaders("Authorization")).size() > 1) {
      throw new ResponseException(400, false, UNAUTHORIZED.code(),
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
    Map<String, Object> body = body(ctx, server);
    String name = field(() -> JsonFields.string(body, "name", "name"));
    String host = field(() -> JsonFields.string(body, "host", "host"));
    int port = intField(body, "port", DEFAULT_SLAVE_PORT);
    boolean https = booleanField(body, "https");
    Map<String, Object> data = field(() -> JsonFields.objectOrEmpty(body, "data"));
    SlaveConnection connection;
    try {
      connection = master.newConnection(name, host, port, https).connectData(data);
    } catch (IllegalStateException e) {
      throw CONFLICT.exception(safe(e.getMessage()));
    } catch (IllegalArgumentException e) {
      // A bad name or host; OkHttp's message about a host quotes it as given.
      throw BAD_REQUEST.exception(safe(e.getMessage()));
    }
    Object answer;
    try {
      answer = connection.connect();
    } catch (IllegalStateException e) {
      throw CONFLICT.exception(safe(e.getMessage()));
    } catch (ResponseException e) {
      throw slaveRefused(e);
    } catch (IOException e) {
      throw SLAVE_UNREACHABLE.exception("slave " + LogSafe.escape(host) + ":" + port + " could not be reached: " + reason(e));
    }
    Map<String, Object> view = connectionView(connection);
    view.put("answer", answer);
    JsonServer.success(ctx, "Connected.", view);
  }

  private void listConnections(Context ctx) {
    List<Map<String, Object>> views = new ArrayList<>();
    master.names().stream().sorted().forEach(name -> {
      try {
        views.add(connectionView(master.get(name)));
      } catch (NoSuchElementException goneMeanwhile) {
        // Dropped between names() and get(): not live any more, so not listed.
      }
    });
    JsonServer.success(ctx, "Connections.", Map.of("connections", views));
  }

  private void removeConnection(Context ctx) {
    String name = pathName(ctx);
    if (!master.contains(name)) {
      throw NOT_FOUND.exception("no live connection named " + name);
    }
    try {
      master.remove(name);
    } catch (NoSuchElementException | IllegalStateException droppedMeanwhile) {
      throw NOT_FOUND.exception("no live connection named " + name);
    } catch (IOException e) {
      JsonServer.success(ctx, "Removed; the slave could not be told: " + reason(e), null);
      return;
    } catch (ResponseException e) {
      JsonServer.success(ctx, "Removed; the slave refused to disconnect: " + LogSafe.escape(e.responseMessage()), null);
      return;
    }
    JsonServer.success(ctx, "Disconnected.", null);
  }

  private void submit(Context ctx, JsonServer server) {
    String name = pathName(ctx);
    Map<String, Object> body = field(() -> server.dataBody(ctx));
    // Required, so that a typo such as {"dta": ...} is refused rather than run as an empty task.
    Map<String, Object> data = field(() -> JsonFields.object(body, "data"));
    Duration timeout = body.get("timeout") == null ? defaultTaskTimeout : durationField(body.get("timeout"));
    SlaveConnection connection;
    try {
      connection = master.get(name);
    } catch (NoSuchElementException e) {
      throw NOT_FOUND.exception("no live connection named " + name);
    }
    Task task = connection.newTask(data).timeout(timeout);
    history.add(task);
    try {
      task.start();
    } catch (IllegalStateException e) {
      throw CONFLICT.exception(safe(e.getMessage()));
    } catch (ResponseException e) {
      throw slaveRefused(e);
    } catch (IOException e) {
      throw SLAVE_UNREACHABLE.exception("slave of " + name + " could not be reached: " + reason(e));
    }
    JsonServer.success(ctx, "Task started.", Map.of("id", task.id().value()));
  }

  private void listTasks(Context ctx) {
    int limit = queryInt(ctx, "limit", 100);
    List<Map<String, Object>> views = history.newest(limit).stream().map(TaskView::of).toList();
    JsonServer.success(ctx, "Tasks.", Map.of("tasks", views));
  }

  private void getTask(Context ctx) {
    JsonServer.success(ctx, "Task.", TaskView.of(task(ctx)));
  }

  private void waitTask(Context ctx) {
    Task task = task(ctx);
    Duration timeout = queryDuration(ctx, "timeout", DEFAULT_WAIT);
    // Waits without holding an HTTP thread; answers the task as it is when final or at the timeout.
    ctx.future(() -> task.future()
        .completeOnTimeout(task, timeout.toNanos(), TimeUnit.NANOSECONDS)
        .thenAccept(t -> JsonServer.success(ctx, t.status().isFinal() ? "Task final." : "Task not final yet.", TaskView.of(t))));
  }

  private Task task(Context ctx) {
    String id = ctx.pathParam("id");
    Task task = history.get(id);
    if (task == null) {
      throw NOT_FOUND.exception("no task " + LogSafe.escape(id) + " (only the last " + history.capacity() + " submitted through this API are kept)");
    }
    return task;
  }

  /**
   * The {@code {name}} path parameter if it follows {@link ConnectionNames#RULE}: a name that no
   * connection can have is a bad request, not an unknown connection.
   */
  private static String pathName(Context ctx) {
    String name = ctx.pathParam("name");
    try {
      return ConnectionNames.require(name);
    } catch (IllegalArgumentException e) {
      throw BAD_REQUEST.exception(e.getMessage());
    }
  }

  private static Map<String, Object> connectionView(SlaveConnection connection) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("name", connection.name());
    view.put("slave", connection.slaveAddress().toString());
    view.put("state", connection.state().name());
    view.put("slots", connection.slots());
    view.put("extensions", connection.extensions());
    view.put("lastHeartbeatAgeMs", connection.lastHeartbeatAge().toMillis());
    view.put("tasksInFlight", connection.tasksInFlight());
    return view;
  }

  private static ResponseException slaveRefused(ResponseException e) {
    Map<String, Object> data = new LinkedHashMap<>(e.data());
    data.put("slaveStatus", e.httpStatus());
    String kind = e instanceof SlaveResponseException s ? s.errorCode().name() : "code " + e.code();
    return new ResponseException(SLAVE_REFUSED.httpStatus(), false, e.code(),
        "the slave refused (" + kind + "): " + LogSafe.escape(e.responseMessage()), data);
  }

  /** A control body (a connect request): at most 64 KiB. */
  private static Map<String, Object> body(Context ctx, JsonServer server) {
    return field(() -> server.body(ctx));
  }

  /** Reads a field, answering a malformed one 400 with the admin code rather than the protocol's. */
  private static <T> T field(java.util.function.Supplier<T> read) {
    try {
      return read.get();
    } catch (JsonFormatException e) {
      throw BAD_REQUEST.exception(safe(e.getMessage()));
    }
  }

  /** A message that may quote what a client or slave sent, escaped and bounded. */
  private static String safe(String message) {
    return LogSafe.escape(message, MESSAGE_CHARS);
  }

  /** Why a request to a slave failed, without the exception's class name. */
  private static String reason(IOException e) {
    return e.getMessage() == null ? "connection failed" : safe(e.getMessage());
  }

  /** The boolean at {@code key}; false when missing or null, refused when anything else. */
  private static boolean booleanField(Map<String, Object> body, String key) {
    Object value = body.get(key);
    if (value == null) {
      return false;
    }
    if (!(value instanceof Boolean flag)) {
      throw BAD_REQUEST.exception(key + " must be true or false, got " + LogSafe.escape(Json.toString(value)));
    }
    return flag;
  }

  private static int intField(Map<String, Object> body, String key, int fallback) {
    Object value = body.get(key);
    if (value == null) {
      return fallback;
    }
    // Jackson reads 7236.0 as a Double and a number beyond int as a Long or BigInteger: all refused.
    if (!(value instanceof Integer number) || number < 1 || number > 65_535) {
      throw BAD_REQUEST.exception(key + " must be a port number 1..65535, got " + LogSafe.escape(String.valueOf(value)));
    }
    return number;
  }

  private static Duration durationField(Object value) {
    if (!(value instanceof String text)) {
      throw BAD_REQUEST.exception("timeout must be a duration such as \"30s\", got " + LogSafe.escape(String.valueOf(value)));
    }
    try {
      return Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw BAD_REQUEST.exception("timeout: " + safe(e.getMessage()));
    }
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
}
