package dev.taskwire.master.admin;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.taskwire.common.json.Json;
import dev.taskwire.common.json.JsonFields;
import dev.taskwire.common.json.JsonFormatException;
import dev.taskwire.common.protocol.ProtocolDefaults;
import dev.taskwire.common.util.Durations;
import dev.taskwire.common.util.LogSafe;
import dev.taskwire.master.SlaveConnection;
import dev.taskwire.master.Task;
import dev.taskwire.master.TaskFailure;
import java.time.Duration;
import java.time.Instant;
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
   * {@code POST /api/v1/connections}: {@code {"name", "host", "port", "https", "data"}}.
   *
   * @param name the connection's name ({@link dev.taskwire.master.ConnectionNames#RULE})
   * @param host the slave's host
   * @param port the slave's port, 1..65535; 7236 when the request leaves it out
   * @param https whether to talk to the slave over https; false when left out
   * @param data the connection data for the slave's before-connection hook; {@code {}} when left out
   */
  public record ConnectRequest(String name, String host, int port, boolean https, Map<String, Object> data) {
    /**
     * The request in {@code body}: {@code name} and {@code host} non-empty strings, {@code port} an
     * integer 1..65535, {@code https} a boolean, {@code data} an object (the name's rule is checked
     * where the connection is made).
     *
     * @throws JsonFormatException naming the first field that breaks its rule, and its value
     */
    static ConnectRequest fromJson(Map<String, Object> body) {
      String name = JsonFields.string(body, "name", "name");
      String host = JsonFields.string(body, "host", "host");
      int port = port(body.get("port"));
      boolean https = https(body.get("https"));
      Map<String, Object> data = JsonFields.objectOrEmpty(body, "data");
      return new ConnectRequest(name, host, port, https, data);
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

    private static boolean https(Object value) {
      if (value == null) {
        return false;
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
   */
  public record ConnectionView(String name, String slave, String state, int slots, List<String> extensions,
      long lastHeartbeatAgeMs, int tasksInFlight) {
    static ConnectionView of(SlaveConnection connection) {
      return new ConnectionView(connection.name(), connection.slaveAddress().toString(), connection.state().name(),
          connection.slots(), connection.extensions(), connection.lastHeartbeatAge().toMillis(), connection.tasksInFlight());
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

  /** The answer to {@code POST /api/v1/connections/{name}/tasks}: {@code {"id"}}. */
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
   */
  @JsonPropertyOrder({"id", "connection", "status", "final", "data", "result", "failure", "createdAt", "startedAt",
      "finishedAt"})
  public record TaskView(String id, String connection, String status, @JsonProperty("final") boolean isFinal,
      Map<String, Object> data, Map<String, Object> result, Failure failure, String createdAt, String startedAt,
      String finishedAt) {
    /** {@code failure}: a {@link TaskFailure.Reason} name and a message. */
    public record Failure(String reason, String message) {}

    static TaskView of(Task task) {
      TaskFailure failure = task.failure();
      return new TaskView(task.id().value(), task.connection().name(), task.status().name(), task.status().isFinal(),
          task.data(), task.result(), failure == null ? null : new Failure(failure.reason().name(), failure.message()),
          text(task.createdAt()), text(task.startedAt()), text(task.finishedAt()));
    }

    private static String text(Instant instant) {
      return instant == null ? null : instant.toString();
    }
  }

  /** The answer to {@code GET /api/v1/tasks}: {@code {"tasks": [...]}}, newest first. */
  public record TaskList(List<TaskView> tasks) {}
}
