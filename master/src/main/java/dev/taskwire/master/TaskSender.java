package dev.taskwire.master;

import dev.taskwire.common.http.HttpEngine;
import dev.taskwire.common.http.RetryPolicy;
import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.Extensions;
import dev.taskwire.common.protocol.Messages.NewTaskRequest;
import dev.taskwire.common.protocol.Messages.TaskRef;
import dev.taskwire.common.protocol.ResponseException;
import java.io.IOException;
import java.util.Map;

/**
 * Sends a connection's tasks: {@code /task/new} through the before-, after- and error-new-task
 * hooks, with the task put in flight before the request, and resent on an unknown outcome only to
 * a slave that recognises a resend.
 */
final class TaskSender {
  private final SlaveConnection connection;
  private final MasterHooks hooks;
  private final HttpEngine engine;
  private final Map<String, String> headers;
  private final TasksInFlight inFlight;

  /** A sender for {@code connection}'s tasks over its {@code engine} and {@code headers}, tracked in {@code inFlight}. */
  TaskSender(SlaveConnection connection, MasterHooks hooks, HttpEngine engine, Map<String, String> headers,
      TasksInFlight inFlight) {
    this.connection = connection;
    this.hooks = hooks;
    this.engine = engine;
    this.headers = headers;
    this.inFlight = inFlight;
  }

  /**
   * Sends {@code task} through the hooks; see {@link Task#start()}. A task that cannot be sent,
   * or that the slave refuses, ends START_FAILED.
   *
   * @throws IllegalStateException if the connection is not live, or the task has a lease and the
   *     slave does not report progress
   * @throws ResponseException if the slave refused the task
   * @throws IOException if the slave could not be reached and the error hook rethrew
   */
  void send(Task task) throws IOException {
    String name = connection.name();
    if (!connection.isConnected()) {
      task.markStartFailed("connection " + name + " is not connected");
      throw new IllegalStateException("connection " + name + " is not connected (it is " + connection.state() + ")");
    }
    if (task.leaseOrNull() != null && !connection.reportsProgress()) {
      task.markStartFailed("a lease needs a slave that reports progress");
      throw new IllegalStateException("task " + task.id() + " has a lease, but the slave of connection " + name
          + " does not report progress (it did not announce the progress extension): give it no lease");
    }
    Map<String, Object> sent;
    try {
      sent = hooks.beforeNewTask(task, task.data());
    } catch (RuntimeException e) {
      task.markStartFailed("before-new-task hook threw " + e);
      throw e;
    }
    if (!connection.admit(task)) {
      return; // cancelled while the before-new-task hook ran: nothing to send
    }
    try {
      // An unknown outcome (a timeout, a reset) is not a failure: a slave that announced
      // "idempotent task/new" recognises a resend, so it is resent. A reference slave that got it
      // would refuse the resend as busy and the task would be lost on our side while it runs, so
      // to one it is resent only when it surely never arrived.
      RetryPolicy policy = connection.extensions().contains(Extensions.IDEMPOTENT_NEW_TASK)
          ? RetryPolicy.ANY_TRANSPORT_ERROR : RetryPolicy.CONNECTION_REFUSED_ONLY;
      Envelope answer = engine.send("POST", "/task/new",
          new NewTaskRequest(new TaskRef(task.id().value()), sent == null ? Map.of() : sent), headers, policy);
      inFlight.started(task);
      hooks.afterNewTask(task, answer);
    } catch (ResponseException e) {
      inFlight.startFailed(task, "the slave refused: " + e.getMessage());
      throw e;
    } catch (IOException e) {
      inFlight.startFailed(task, "the slave could not be reached: " + (e.getMessage() == null ? "connection failed" : e.getMessage()));
      hooks.errorNewTask(task, e);
    }
  }
}
