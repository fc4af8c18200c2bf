package dev.taskwire.master.scheduler;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The live connections as the dispatcher sees them: their labels and slots, the scheduler's
 * attempts on each that have not ended ({@code attempts}) and those of them still being sent
 * ({@code pending}), and a short pause after a slave answered busy.
 *
 * <p>A connection's taken slots are the larger of two counts. Its tasks in flight ({@link
 * FleetMember#tasksInFlight()}) count tasks sent on it directly too, but miss an attempt from
 * its dispatch until its sender thread registers it (a few microseconds) and from its end until the
 * scheduler hears of it. The scheduler's unended attempts count exactly its own, from the moment
 * it hands out a slot to the moment it hears the attempt ended. Alone on a connection the larger is
 * exact. (Counting a sending attempt as well as the tasks in flight would count it twice for the
 * whole {@code /task/new} round trip, and leave slots idle.) With direct tasks in flight as well, a
 * slot may be offered twice in those short moments: the slave then answers busy, and the job goes
 * back to the head of its queue with no attempt counted. Not thread-safe: the scheduler's lock
 * guards it, except {@code pending} and {@code everPaused}.
 */
final class FleetSlots {
  /** The first pause after a busy answer; each busy answer in a row doubles it, up to {@link #MAX_PAUSE_NANOS}. */
  static final long FIRST_PAUSE_NANOS = 50_000_000L;
  static final long MAX_PAUSE_NANOS = 2_000_000_000L;
  /**
   * The most attempts being sent to one connection at once: a slave with many slots that accepts
   * connections but never answers holds at most this many sender threads, not all of them.
   */
  static final int MAX_SENDS_PER_CONNECTION = Math.max(1, Dispatch.SENDER_THREADS / 4);

  private final List<Entry> entries = new ArrayList<>();
  private int nextStart; // where the next tie-break search starts: round robin
  private long serials;

  /** One live connection. */
  static final class Entry {
    final FleetMember connection;
    /** Which entry this is, unique in the fleet's life (1 for the first): what a job's retry avoids. */
    final long serial;
    final Set<String> labels;
    /** The slave's slots, read once: a reconnect makes a new entry. */
    final int slots;
    /** Whether the slave reports progress, so that a job with a lease may go to it. */
    final boolean reportsProgress;
    /** The scheduler's attempts on this connection that have not ended. */
    int attempts;
    /**
     * Of those, the ones still being sent ({@code /task/new} not answered). Atomic: a send the
     * slave accepted counts itself down without the scheduler's lock.
     */
    final AtomicInteger pending = new AtomicInteger();
    long pausedUntilNanos;
    long pauseNanos;
    /** Whether this connection was ever paused; until it is, an accepted send has no pause to lift. */
    volatile boolean everPaused;

    Entry(FleetMember connection, long serial) {
      this.connection = connection;
      this.serial = serial;
      this.labels = new HashSet<>(connection.labels());
      this.slots = connection.slots();
      this.reportsProgress = connection.reportsProgress();
    }

    int free(long now) {
      if (pausedUntilNanos != 0 && now - pausedUntilNanos < 0 || !connection.isConnected()) {
        return 0; // paused, or ended and not yet told: a job sent there would bounce straight back
      }
      int taken = Math.max(connection.tasksInFlight(), attempts);
      return Math.min(slots - taken, MAX_SENDS_PER_CONNECTION - pending.get());
    }

    boolean has(List<String> required) {
      for (String label : required) {
        if (!labels.contains(label)) {
          return false;
        }
      }
      return true;
    }
  }

  /** Adds {@code connection}, live now, unless it is there already; returns its entry. */
  Entry add(FleetMember connection) {
    Entry entry = find(connection);
    if (entry == null) {
      entry = new Entry(connection, ++serials);
      entries.add(entry);
    }
    return entry;
  }

  void remove(FleetMember connection) {
    entries.removeIf(entry -> entry.connection.equals(connection));
  }

  Entry find(FleetMember connection) {
    for (Entry entry : entries) {
      if (entry.connection.equals(connection)) {
        return entry;
      }
    }
    return null;
  }

  boolean isEmpty() {
    return entries.isEmpty();
  }

  /** Free slots across the fleet now. */
  int totalFree() {
    long now = System.nanoTime();
    int free = 0;
    for (Entry entry : entries) {
      free += Math.max(0, entry.free(now));
    }
    return free;
  }

  /**
   * The connection {@code job} goes to: of the live connections with every label it requires and a
   * free slot, the one with the most free slots; ties go round robin. Where another one qualifies, the
   * connection of the job's last attempt is avoided, so that a retry runs elsewhere.
   */
  Entry place(JobRecord job) {
    int n = entries.size();
    if (n == 0) {
      return null;
    }
    long now = System.nanoTime();
    List<String> required = job.options.labels();
    boolean needsProgress = !job.options.lease().isZero();
    Entry best = null;
    Entry avoided = null;
    int bestFree = 0;
    int start = nextStart % n;
    for (int i = 0; i < n; i++) {
      Entry entry = entries.get((start + i) % n);
      int free = entry.free(now);
      if (free <= 0 || !entry.has(required) || needsProgress && !entry.reportsProgress) {
        continue;
      }
      if (entry.serial == job.lastSlot) {
        avoided = entry;
        continue;
      }
      if (free > bestFree) {
        best = entry;
        bestFree = free;
      }
    }
    if (best == null) {
      best = avoided;
    }
    if (best != null) {
      nextStart = start + 1;
    }
    return best;
  }

  /**
   * Whether any live connection has every label in {@code required}, free or not, and, if {@code
   * reportingProgress}, a slave that reports progress.
   */
  boolean anyWith(List<String> required, boolean reportingProgress) {
    for (Entry entry : entries) {
      if (entry.has(required) && (!reportingProgress || entry.reportsProgress)) {
        return true;
      }
    }
    return false;
  }

  /** The slave on {@code entry} answered busy: pause it, longer each time in a row; returns the pause. */
  long pause(Entry entry) {
    entry.pauseNanos = entry.pauseNanos == 0 ? FIRST_PAUSE_NANOS : Math.min(entry.pauseNanos * 2, MAX_PAUSE_NANOS);
    entry.pausedUntilNanos = System.nanoTime() + entry.pauseNanos;
    entry.everPaused = true;
    return entry.pauseNanos;
  }

  /** The slave on {@code entry} took a task: no pause any more. */
  void accepted(Entry entry) {
    entry.pauseNanos = 0;
    entry.pausedUntilNanos = 0;
  }

  /** Free slots by connection name, for the summary. */
  Map<String, Integer> freeByConnection() {
    long now = System.nanoTime();
    Map<String, Integer> free = new TreeMap<>();
    for (Entry entry : entries) {
      free.put(entry.connection.name(), Math.max(0, entry.free(now)));
    }
    return free;
  }
}
