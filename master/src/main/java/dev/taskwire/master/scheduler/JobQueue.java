package dev.taskwire.master.scheduler;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The jobs waiting for a slot, in the order the fairness rule takes them: higher priority first;
 * within a priority, the groups with jobs take turns (round robin), so a group with 100,000 jobs
 * does not starve one with ten; within a group, first in first out. A group keeps one lane per set
 * of required labels, so a job waiting for a busy GPU slave does not hold up the group's other jobs:
 * of the lanes' first jobs, the oldest that a connection can take goes first.
 *
 * <p>A job that leaves the queue early (cancelled, timed out) is only counted out; it is skipped
 * when it reaches the head of its lane, and a lane holding many such jobs is compacted. Part of
 * the {@link InMemoryJobStore}; not thread-safe: the scheduler's lock guards it.
 */
final class JobQueue {
  /** Finds the connection a job would go to now, or null if none can take it. */
  interface Placer<C> {
    C place(JobRecord job);
  }

  /** A job and where it goes. */
  record Placement<C>(JobRecord job, C connection) {}

  private final TreeMap<Integer, Level> levels = new TreeMap<>(Comparator.reverseOrder());
  private int size;

  /** Jobs queued (cancelled ones not counted). */
  int size() {
    return size;
  }

  /** Adds {@code job} at the tail of its lane. */
  void add(JobRecord job) {
    lane(job).jobs.addLast(job);
    added(job);
  }

  /** Puts {@code job} back at the head of its lane: a retry, or a slave that was busy after all. */
  void addFirst(JobRecord job) {
    lane(job).jobs.addFirst(job);
    added(job);
  }

  /** {@code job}, queued, left the queue without being taken (cancelled, timed out, shut down). */
  void removed(JobRecord job) {
    job.inQueue = false;
    Level level = levels.get(job.options.priority());
    Group group = level.groups.get(job.options.group());
    Lane lane = group.lane(needs(job.options));
    lane.dead++;
    lane.compactIfMostlyDead();
    size--;
    if (--group.queued == 0) {
      level.groups.remove(group.name);
      if (level.groups.isEmpty()) {
        levels.remove(job.options.priority());
      }
    }
  }

  /** Removes every job and returns those that were queued. */
  List<JobRecord> clear() {
    List<JobRecord> all = new ArrayList<>(size);
    for (Level level : levels.values()) {
      for (Group group : level.groups.values()) {
        for (Lane lane : group.lanes) {
          for (JobRecord job : lane.jobs) {
            if (job.inQueue) {
              job.inQueue = false;
              all.add(job);
            }
          }
        }
      }
    }
    levels.clear();
    size = 0;
    return all;
  }

  /**
   * Takes jobs by the fairness rule while {@code budget} allows and {@code placer} finds each a
   * connection; {@code canRun} says whether a group may run one more (its limit). Returns what was
   * taken, in order.
   */
  <C> List<Placement<C>> take(int budget, Placer<C> placer, java.util.function.Predicate<String> canRun) {
    List<Placement<C>> taken = new ArrayList<>();
    // Placeability only falls within one call (each placement takes a slot), so a set of labels
    // that found no connection is not asked again: with many groups waiting for a busy label, a
    // dispatch costs one look per group, not one per group and connection.
    java.util.Set<Needs> unplaceable = new java.util.HashSet<>();
    Placer<C> remembering = job -> {
      Needs needs = needs(job.options);
      if (unplaceable.contains(needs)) {
        return null;
      }
      C connection = placer.place(job);
      if (connection == null) {
        unplaceable.add(needs);
      }
      return connection;
    };
    for (var levelIt = levels.values().iterator(); levelIt.hasNext() && taken.size() < budget; ) {
      Level level = levelIt.next();
      int misses = 0;
      while (taken.size() < budget && !level.groups.isEmpty() && misses < level.groups.size()) {
        Group group = level.groups.values().iterator().next();
        Placement<C> placement = canRun.test(group.name) ? group.take(remembering) : null;
        // Its turn is over either way: to the back of the rotation (unless it emptied).
        level.groups.remove(group.name);
        if (placement == null) {
          level.groups.put(group.name, group);
          misses++;
          continue;
        }
        misses = 0;
        placement.job().inQueue = false;
        size--;
        if (--group.queued > 0) {
          level.groups.put(group.name, group);
        }
        taken.add(placement);
      }
      if (level.groups.isEmpty()) {
        levelIt.remove();
      }
    }
    return taken;
  }

  /** Queued jobs by priority (highest first) and group, for the summary. */
  Map<Integer, Map<String, Integer>> counts() {
    Map<Integer, Map<String, Integer>> counts = new LinkedHashMap<>();
    for (Level level : levels.values()) {
      Map<String, Integer> groups = new java.util.TreeMap<>();
      level.groups.values().forEach(group -> groups.put(group.name, group.queued));
      counts.put(level.priority, groups);
    }
    return counts;
  }

  private void added(JobRecord job) {
    job.inQueue = true;
    size++;
    Group group = levels.get(job.options.priority()).groups.get(job.options.group());
    group.queued++;
  }

  private Lane lane(JobRecord job) {
    JobOptions options = job.options;
    Level level = levels.computeIfAbsent(options.priority(), Level::new);
    Group group = level.groups.computeIfAbsent(options.group(), Group::new);
    return group.lane(needs(options));
  }

  /**
   * What a connection must offer a job: its labels, and progress reports if it has a lease. Jobs
   * that need the same share a lane, and one that finds no connection tells its like not to try.
   */
  private record Needs(List<String> labels, boolean progress) {}

  private static Needs needs(JobOptions options) {
    return new Needs(options.labels(), !options.lease().isZero());
  }

  /** The groups of one priority, in turn order: the head is next. */
  private static final class Level {
    final int priority;
    final LinkedHashMap<String, Group> groups = new LinkedHashMap<>();

    Level(int priority) {
      this.priority = priority;
    }
  }

  private static final class Group {
    final String name;
    final List<Lane> lanes = new ArrayList<>(1);
    int queued;

    Group(String name) {
      this.name = name;
    }

    Lane lane(Needs needs) {
      for (Lane lane : lanes) {
        if (lane.needs.equals(needs)) {
          return lane;
        }
      }
      Lane lane = new Lane(needs);
      lanes.add(lane);
      return lane;
    }

    /** The oldest lane head that a connection can take now, taken out; null if none. */
    <C> Placement<C> take(Placer<C> placer) {
      Lane best = null;
      C where = null;
      for (Lane lane : sortedByHead()) {
        if (lane.head().unstored) {
          continue; // its submit is not on disk yet; those behind it were submitted later still
        }
        C connection = placer.place(lane.head());
        if (connection != null) {
          best = lane;
          where = connection;
          break;
        }
      }
      if (best == null) {
        return null;
      }
      JobRecord job = best.jobs.pollFirst();
      if (best.jobs.isEmpty()) {
        lanes.remove(best);
      }
      return new Placement<>(job, where);
    }

    private List<Lane> sortedByHead() {
      lanes.removeIf(lane -> lane.head() == null);
      if (lanes.size() > 1) {
        lanes.sort(Comparator.comparingLong(lane -> lane.head().seq));
      }
      return lanes;
    }
  }

  /** The jobs of one group that require the same labels, oldest first. */
  private static final class Lane {
    final Needs needs;
    final ArrayDeque<JobRecord> jobs = new ArrayDeque<>();
    int dead; // jobs still in the deque that left the queue

    Lane(Needs needs) {
      this.needs = needs;
    }

    /** The first job still queued, dropping those that left; null if none. */
    JobRecord head() {
      JobRecord head;
      while ((head = jobs.peekFirst()) != null && !head.inQueue) {
        jobs.pollFirst();
        dead--;
      }
      return head;
    }

    void compactIfMostlyDead() {
      if (dead > 256 && dead > jobs.size() / 2) {
        jobs.removeIf(job -> !job.inQueue);
        dead = 0;
      }
    }
  }
}
