package dev.taskwire.slave;

import dev.taskwire.common.security.SecretFile;
import dev.taskwire.common.util.Durations;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The results a slave could not deliver to a master that announced "adopt", kept per master id
 * until that master connects again and takes them ({@link OutboxDelivery}), in a {@link
 * OutboxStore} (memory, or a directory with {@code --outbox-dir}).
 *
 * <p>Bounded twice: at most {@code max} results ({@code --outbox-max}; the oldest goes first) and
 * none older than {@code maxAge} ({@code --outbox-max-age}, measured on the slave's {@link Clock}).
 * Every result dropped for a bound is logged at warning level with its task id, master id and the
 * bound, so that an operator can tell which results were lost. The age is checked whenever the
 * outbox is used and by a periodic sweep.
 *
 * <p>Thread-safe: one lock guards the map, and the store's writes are made under it, so that the
 * map and the store agree; the results themselves are read outside it.
 */
final class Outbox {
  private static final Logger log = LoggerFactory.getLogger(Outbox.class);

  private final OutboxStore store;
  private final int max;
  private final Duration maxAge;
  private final Clock clock;
  private final LinkedHashMap<HeldResult.Key, HeldResult> held = new LinkedHashMap<>(); // guarded by this; oldest first

  Outbox(OutboxStore store, int max, Duration maxAge, Clock clock) {
    this.store = Objects.requireNonNull(store, "store == null");
    this.max = max;
    this.maxAge = Objects.requireNonNull(maxAge, "maxAge == null");
    this.clock = Objects.requireNonNull(clock, "clock == null");
  }

  /**
   * Loads what the store kept (results of an earlier run of this slave), oldest first, then applies
   * the bounds; returns how many are held.
   *
   * @throws IOException if the store cannot be used at all
   */
  synchronized int load() throws IOException {
    List<HeldResult> loaded = new ArrayList<>(store.load());
    loaded.sort(Comparator.comparing(HeldResult::heldAt));
    for (HeldResult result : loaded) {
      held.put(result.key(), result);
    }
    expireLocked();
    while (held.size() > max) {
      dropLocked(held.values().iterator().next(), "the outbox holds at most " + max + " results (--outbox-max)");
    }
    if (!held.isEmpty()) {
      log.info("Outbox: {} result(s) kept in {} from an earlier run, for {} master id(s)", held.size(), store,
          held.values().stream().map(HeldResult::masterId).distinct().count());
    }
    return held.size();
  }

  /**
   * Keeps the result of task {@code taskId} for {@code masterId}, replacing one of the same task id;
   * the oldest result is dropped (and logged) if the outbox is full. A result the store cannot
   * write is kept in memory, and logged: it is still offered while this process runs.
   */
  synchronized void put(String masterId, String taskId, boolean completed, Map<String, Object> result) {
    expireLocked();
    HeldResult entry = new HeldResult(masterId, taskId, completed, Objects.requireNonNull(result, "result == null"),
        clock.instant());
    held.remove(entry.key());
    while (held.size() >= max) {
      dropLocked(held.values().iterator().next(), "the outbox holds at most " + max + " results (--outbox-max)");
    }
    HeldResult kept;
    try {
      kept = store.save(entry);
    } catch (IOException | RuntimeException e) {
      log.error("Outbox: the result of task {} for master id {} could not be written to {} ({}); it is kept in memory"
          + " only, and lost if the slave stops", taskId, masterId, store, reason(e));
      kept = entry;
    }
    held.put(kept.key(), kept);
  }

  /** The results held for {@code masterId}, oldest first, once those past the age limit are dropped. */
  synchronized List<HeldResult> held(String masterId) {
    expireLocked();
    List<HeldResult> found = new ArrayList<>();
    for (HeldResult result : held.values()) {
      if (result.masterId().equals(masterId)) {
        found.add(result);
      }
    }
    return found;
  }

  /** The task ids of {@link #held(String)}. */
  List<String> taskIds(String masterId) {
    return held(masterId).stream().map(HeldResult::taskId).toList();
  }

  /** Whether anything is held for {@code masterId} (without expiring: a cheap check on each heartbeat). */
  synchronized boolean holds(String masterId) {
    for (HeldResult result : held.values()) {
      if (result.masterId().equals(masterId)) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code entry} is still held, the very one (not a newer result of the same task). */
  synchronized boolean contains(HeldResult entry) {
    return held.get(entry.key()) == entry;
  }

  /**
   * The result of {@code entry}, read from the store if it is not in memory (outside the lock: a
   * result may be large); null if it is no longer held.
   *
   * @throws IOException if the store has it but cannot read it
   */
  Map<String, Object> result(HeldResult entry) throws IOException {
    return entry.result() != null ? entry.result() : store.read(entry);
  }

  /** Forgets {@code entry} once its master took it; a newer result of the same task stays. */
  synchronized void remove(HeldResult entry) {
    if (held.get(entry.key()) != entry) {
      return;
    }
    held.remove(entry.key());
    deleteLocked(entry);
  }

  /** Drops {@code entry} for {@code why}, logged with its task id. */
  synchronized void drop(HeldResult entry, String why) {
    if (held.get(entry.key()) == entry) {
      dropLocked(entry, why);
    }
  }

  /** Drops every result past the age limit; run by the periodic sweep. */
  synchronized void expire() {
    expireLocked();
  }

  /** How many results are held, for every master id. */
  synchronized int size() {
    return held.size();
  }

  /** Everything held, oldest first. */
  synchronized List<HeldResult> all() {
    return List.copyOf(held.values());
  }

  /** Whether results outlive the process here. */
  boolean durable() {
    return store != OutboxStore.MEMORY;
  }

  @Override
  public String toString() {
    return "outbox in " + store;
  }

  private void expireLocked() {
    Instant oldest = clock.instant().minus(maxAge);
    for (Iterator<HeldResult> it = held.values().iterator(); it.hasNext(); ) {
      HeldResult result = it.next();
      if (!result.heldAt().isBefore(oldest)) {
        break; // oldest first: the rest are younger (a clock set back only delays their turn)
      }
      it.remove();
      logDrop(result, "held longer than " + describe(maxAge) + " (--outbox-max-age)");
      deleteLocked(result);
    }
  }

  private void dropLocked(HeldResult result, String why) {
    held.remove(result.key());
    logDrop(result, why);
    deleteLocked(result);
  }

  private static void logDrop(HeldResult result, String why) {
    log.warn("Outbox: dropped the {} result of task {} for master id {}, held since {}: {}",
        result.completed() ? "completed" : "failed", result.taskId(), result.masterId(), result.heldAt(), why);
  }

  private void deleteLocked(HeldResult result) {
    try {
      store.delete(result);
    } catch (IOException | RuntimeException e) {
      // Left behind, it would be offered again after a restart: a master takes a repeat as a late report.
      log.warn("Outbox: could not delete the result of task {} for master id {} from {}: {}", result.taskId(),
          result.masterId(), store, reason(e));
    }
  }

  /** {@code 24h} rather than {@code 86400s}: how an operator wrote it. */
  private static String describe(Duration duration) {
    return duration.toMinutes() >= 60 && duration.toMinutes() % 60 == 0 && duration.toSeconds() % 60 == 0
        && duration.toNanos() % 1_000_000_000L == 0 ? duration.toHours() + "h" : Durations.format(duration);
  }

  private static String reason(Exception e) {
    return e instanceof IOException io ? SecretFile.reason(io) : String.valueOf(e.getMessage());
  }
}
