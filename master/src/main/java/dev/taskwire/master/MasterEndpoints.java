package dev.taskwire.master;

import static dev.taskwire.common.protocol.MasterErrorCode.CHANNEL_INVALID;
import static dev.taskwire.common.protocol.MasterErrorCode.CHANNEL_NOT_GIVEN;
import static dev.taskwire.common.protocol.MasterErrorCode.SELF_TOKEN_INVALID;
import static dev.taskwire.common.protocol.MasterErrorCode.SELF_TOKEN_NOT_GIVEN;
import static dev.taskwire.common.protocol.MasterErrorCode.SLAVE_TOKEN_INVALID;
import static dev.taskwire.common.protocol.MasterErrorCode.SLAVE_TOKEN_NOT_GIVEN;
import static dev.taskwire.common.protocol.MasterErrorCode.STORE_UNAVAILABLE;
import static dev.taskwire.common.protocol.MasterErrorCode.SYSTEM_SHUTTING_DOWN;
import static dev.taskwire.common.protocol.MasterErrorCode.TASK_DATA_INVALID;

import dev.taskwire.common.http.JsonServer;
import dev.taskwire.common.http.RequestChecks;
import dev.taskwire.common.json.JsonFields;
import dev.taskwire.common.protocol.Headers;
import dev.taskwire.common.util.LogSafe;
import dev.taskwire.master.store.StoreException;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP endpoints of a master (docs/protocol.md, "Endpoints of a master"). Requests from slaves are
 * checked in the protocol's order: shutting down, channel, token, body. Handlers only throw; the
 * {@link JsonServer} turns each exception into its envelope.
 */
final class MasterEndpoints {
  private static final Logger log = LoggerFactory.getLogger(MasterEndpoints.class);

  private final Master master;
  private final MasterConfig config;
  private final Connections connections;
  private final JsonServer server;
  private final RequestChecks checks;
  private final Joins joins;

  MasterEndpoints(Master master, MasterConfig config, Connections connections, JsonServer server,
      dev.taskwire.common.security.ProofCheck proofs) {
    this.master = master;
    this.config = config;
    this.connections = connections;
    this.server = server;
    this.joins = new Joins(master, config, connections, proofs);
    this.checks = new RequestChecks(new RequestChecks.Codes(SYSTEM_SHUTTING_DOWN, CHANNEL_NOT_GIVEN, CHANNEL_INVALID,
        SELF_TOKEN_NOT_GIVEN, SELF_TOKEN_INVALID, "Master"), config.channel(), master.selfToken(), master::isShuttingDown);
  }

  void register() {
    server.get("/slave/heartbeat", this::heartbeat);
    server.put("/slave/task/complete", ctx -> report(ctx, true));
    server.put("/slave/task/fail", ctx -> report(ctx, false));
    server.put("/slave/task/progress", this::progress);
    server.post("/slave/join", this::join);
    checks.registerSelfEndpoints(server, master::shutdownInBackground);
    server.get("/health", this::health);
  }

  private void heartbeat(Context ctx) {
    SlaveConnection connection = checkSlaveRequest(ctx);
    connection.heartbeat();
    JsonServer.success(ctx, "Received!", null);
  }

  private void report(Context ctx, boolean completed) {
    SlaveConnection connection = checkSlaveRequest(ctx);
    Map<String, Object> body = server.dataBody(ctx);
    Map<String, Object> task = JsonFields.object(body, "task");
    String taskId = JsonFields.string(task, "task.id", "id");
    Map<String, Object> result = JsonFields.object(body, "result");
    if (!connection.report(taskId, completed, result)
        && !(master.scheduler().claim(connection, taskId) && connection.report(taskId, completed, result))) {
      if (!connections.recentlyEnded(taskId)) {
        throw TASK_DATA_INVALID.exception("Task " + LogSafe.escape(taskId) + " not found in connection " + connection.name() + ".");
      }
      // Idempotent reports: a repeat, or a report for a task Taskwire already ended. A failure
      // answer would kill a reference slave's task thread, so acknowledge and ignore it.
      log.info("Ignoring a late or repeated report of task {} on connection {}", taskId, connection.name());
    }
    awaitStored();
    JsonServer.success(ctx, "Result received!", null);
  }



  /** The {@code progress} extension: {@code {"task": {"id"}, "progress": {...}}}, within a control body's limit. */
  private void progress(Context ctx) {
    SlaveConnection connection = checkSlaveRequest(ctx);
    Map<String, Object> body = server.body(ctx);
    Map<String, Object> task = JsonFields.object(body, "task");
    String taskId = JsonFields.string(task, "task.id", "id");
    Map<String, Object> progress = JsonFields.object(body, "progress");
    if (!connection.progress(taskId, progress) && !connections.recentlyEnded(taskId)) {
      throw TASK_DATA_INVALID.exception("Task " + LogSafe.escape(taskId) + " not found in connection " + connection.name() + ".");
    }
    // A progress report racing the task's end is acknowledged and ignored, like a late report.
    JsonServer.success(ctx, "Progress received!", null);
  }

  /**
   * Extension "join": a slave asks to be connected. Shutting down, channel, then whether joins are
   * taken at all (before reading the body), then the body (from the small share of readers of
   * bodies nothing authenticated yet) and the slave's proof; answered once the master's {@code
   * /connect} to the slave has succeeded or failed.
   */
  private void join(Context ctx) {
    checks.notShuttingDown();
    checks.channel(ctx);
    joins.requireEnabled();
    Joins.Request request = Joins.parse(server.untrustedBody(ctx));
    JsonServer.success(ctx, "Join accepted.", joins.join(request, ctx.req().getRemoteAddr()));
  }

  /**
   * Acknowledges a report only once what it changed is on disk (at once without a durable store);
   * if the store cannot write, 503 STORE_UNAVAILABLE, and the slave keeps the result to send again.
   */
  private void awaitStored() {
    try {
      master.scheduler().awaitStored();
    } catch (StoreException e) {
      throw STORE_UNAVAILABLE.exception("the master's store could not write the report; send it again later");
    }
  }

  private void health(Context ctx) {
    checks.notShuttingDown();
    Map<String, Object> data = new LinkedHashMap<>();
    StoreException storeFailure = master.scheduler().storeFailure();
    data.put("state", storeFailure == null ? "running" : "store-failing");
    data.put("connections", connections.names().size());
    if (master.store() != null) {
      data.put("store", storeFailure == null ? "ok" : "failing: " + LogSafe.escape(String.valueOf(storeFailure.getMessage())));
    }
    JsonServer.success(ctx, "Healthy.", data);
  }

  /** Shutting down, channel and slave token, in that order; returns the token's connection. */
  private SlaveConnection checkSlaveRequest(Context ctx) {
    checks.notShuttingDown();
    checks.channel(ctx);
    String token = RequestChecks.singleHeader(ctx, Headers.TOKEN, SLAVE_TOKEN_NOT_GIVEN);
    if (token == null || token.isEmpty()) {
      throw SLAVE_TOKEN_NOT_GIVEN.exception("Slave token not found.");
    }
    SlaveConnection connection = connections.byToken(token);
    if (connection == null) {
      throw SLAVE_TOKEN_INVALID.exception("No matching slave token found in this endpoint.");
    }
    return connection;
  }


}
