package dev.taskwire.master.admin;

import static dev.taskwire.master.admin.AdminErrorCode.NOT_FOUND;
import static dev.taskwire.master.admin.Answers.success;
import static dev.taskwire.master.admin.SlaveCallFailed.toSlave;

import dev.taskwire.common.http.AsyncAnswer;
import dev.taskwire.common.http.JsonServer;
import dev.taskwire.common.util.LogSafe;
import dev.taskwire.master.Master;
import dev.taskwire.master.Task;
import dev.taskwire.master.admin.AdminMessages.SubmitRequest;
import dev.taskwire.master.admin.AdminMessages.Submitted;
import dev.taskwire.master.admin.AdminMessages.TaskList;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Tasks sent straight to a connection: {@code POST /api/v1/connections/{name}/tasks}, and {@code
 * /api/v1/tasks} for the ones submitted so, which {@link TaskHistory} remembers.
 */
final class TasksHandler {
  private static final String FEWER = "ask for fewer (a smaller ?limit)";

  private final Master master;
  private final JsonServer server;
  private final TaskHistory history;
  private final Duration defaultTimeout;
  private final AnswerBudget budget;
  private final Answers answers;

  TasksHandler(Master master, JsonServer server, TaskHistory history, Duration defaultTimeout, AnswerBudget budget,
      Answers answers) {
    this.master = master;
    this.server = server;
    this.history = history;
    this.defaultTimeout = defaultTimeout;
    this.budget = budget;
    this.answers = answers;
  }

  /** {@code POST /api/v1/connections/{name}/tasks}: starts a task on the connection; answers its id. */
  void submit(Context ctx) {
    String name = AdminParams.name(ctx);
    SubmitRequest request = AdminRequests.submit(server.dataBody(ctx));
    Duration timeout = request.timeout() == null ? defaultTimeout : request.timeout();
    Task task = master.get(name).newTask(request.data()).timeout(timeout);
    history.add(task);
    toSlave("slave of " + name, task::start);
    success(ctx, "Task started.", new Submitted(task.id().value()));
  }

  /** {@code GET /api/v1/tasks?limit=N}: the newest remembered tasks, within the bound on an answer. */
  void list(Context ctx) {
    int limit = AdminParams.positive(ctx, "limit", 100);
    answers.holding(ctx, "Tasks.", new TaskList(budget.taskViews(history.newest(limit), FEWER)));
  }

  /** {@code GET /api/v1/tasks/{id}}. */
  void get(Context ctx) {
    answers.holding(ctx, "Task.", AdminViews.of(task(ctx)));
  }

  /** {@code GET /api/v1/tasks/{id}/wait?timeout=30s}: the task once final, or as it is at the timeout. */
  void await(Context ctx) {
    Task task = task(ctx);
    Duration timeout = AdminParams.wait(ctx, "timeout", AdminMessages.DEFAULT_WAIT);
    // Waits without holding an HTTP thread; answers the task as it is when final or at the timeout.
    answers.when(ctx, task.future().completeOnTimeout(task, timeout.toNanos(), TimeUnit.NANOSECONDS),
        t -> AsyncAnswer.Body.success(t.status().isFinal() ? "Task final." : "Task not final yet.", AdminViews.of(t)));
  }

  private Task task(Context ctx) {
    String id = ctx.pathParam("id");
    Task task = history.get(id);
    if (task == null) {
      throw NOT_FOUND.exception("no task " + LogSafe.escape(id) + " (only the last " + history.capacity()
          + " submitted through this API are kept)");
    }
    return task;
  }
}
