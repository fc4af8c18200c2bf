package dev.taskwire.master.scheduler;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Jobs by id: every job not yet final, and the last {@code capacity} that are, the oldest final one
 * forgotten first. Part of the {@link InMemoryJobStore}; not thread-safe: the scheduler's lock
 * guards it.
 */
final class JobHistory {
  private final int capacity;
  private final Map<String, JobRecord> byId = new HashMap<>();
  private final ArrayDeque<JobRecord> finished = new ArrayDeque<>();
  private final ArrayDeque<JobRecord> order = new ArrayDeque<>(); // every kept job, by submit; pruned lazily

  JobHistory(int capacity) {
    this.capacity = capacity;
  }

  int capacity() {
    return capacity;
  }

  void add(JobRecord job) {
    byId.put(job.id, job);
    order.addLast(job);
  }

  JobRecord get(String id) {
    return byId.get(id);
  }

  /** {@code job} became final: it is kept until {@code capacity} newer ones have. */
  void finished(JobRecord job) {
    finished.addLast(job);
    while (finished.size() > capacity) {
      byId.remove(finished.pollFirst().id);
    }
    // Jobs mostly end in about the order they came, so the forgotten ones gather at the front: drop
    // them there, a few at a time. A job that runs long holds the front; past a bound, one pass.
    JobRecord oldest;
    while ((oldest = order.peekFirst()) != null && byId.get(oldest.id) != oldest) {
      order.pollFirst();
    }
    if (order.size() > 2 * byId.size() + 1024) {
      order.removeIf(kept -> byId.get(kept.id) != kept);
    }
  }

  /**
   * The kept jobs that {@code filter} accepts, oldest first: the order to end many in, so that
   * their events come in submit order and the history keeps the newest.
   */
  List<JobRecord> oldestFirst(java.util.function.Predicate<JobRecord> filter) {
    List<JobRecord> oldest = new ArrayList<>();
    for (JobRecord job : order) {
      if (byId.get(job.id) == job && filter.test(job)) {
        oldest.add(job);
      }
    }
    return oldest;
  }

  /** Up to {@code limit} kept jobs that {@code filter} accepts, newest first. */
  List<JobRecord> newest(int limit, java.util.function.Predicate<JobRecord> filter) {
    List<JobRecord> newest = new ArrayList<>(Math.min(limit, 1024));
    var it = order.descendingIterator();
    while (it.hasNext() && newest.size() < limit) {
      JobRecord job = it.next();
      if (byId.get(job.id) == job && filter.test(job)) {
        newest.add(job);
      }
    }
    return newest;
  }
}
