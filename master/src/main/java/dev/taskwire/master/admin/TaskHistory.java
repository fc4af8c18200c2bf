package dev.taskwire.master.admin;

import dev.taskwire.master.Task;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The last N tasks submitted through the admin API, by id; the oldest is forgotten first. */
final class TaskHistory {
  private final int capacity;
  private final LinkedHashMap<String, Task> tasks; // guarded by this

  TaskHistory(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("taskHistory < 1: " + capacity);
    }
    this.capacity = capacity;
    this.tasks = new LinkedHashMap<>(Math.min(capacity, 1024), 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Task> eldest) {
        return size() > TaskHistory.this.capacity;
      }
    };
  }

  synchronized void add(Task task) {
    tasks.put(task.id().value(), task);
  }

  synchronized Task get(String id) {
    return tasks.get(id);
  }

  /** Up to {@code limit} tasks, newest first. */
  synchronized List<Task> newest(int limit) {
    List<Task> all = new ArrayList<>(tasks.values());
    List<Task> newest = new ArrayList<>(Math.min(limit, all.size()));
    for (int i = all.size() - 1; i >= 0 && newest.size() < limit; i--) {
      newest.add(all.get(i));
    }
    return newest;
  }

  int capacity() {
    return capacity;
  }
}
