package dev.taskwire.master.admin;

import dev.taskwire.master.Task;
import dev.taskwire.master.TaskFailure;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** A task as the admin API shows it. */
final class TaskView {
  private TaskView() {}

  static Map<String, Object> of(Task task) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("id", task.id().value());
    view.put("connection", task.connection().name());
    view.put("status", task.status().name());
    view.put("final", task.status().isFinal());
    view.put("data", task.data());
    view.put("result", task.result());
    TaskFailure failure = task.failure();
    view.put("failure", failure == null ? null : Map.of("reason", failure.reason().name(), "message", failure.message()));
    view.put("createdAt", text(task.createdAt()));
    view.put("startedAt", text(task.startedAt()));
    view.put("finishedAt", text(task.finishedAt()));
    return view;
  }

  private static String text(Instant instant) {
    return instant == null ? null : instant.toString();
  }
}
