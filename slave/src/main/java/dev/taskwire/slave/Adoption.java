package dev.taskwire.slave;

import dev.taskwire.common.protocol.Messages.Held;
import dev.taskwire.common.protocol.Messages.TaskwireInfo;
import dev.taskwire.common.protocol.TaskId;
import dev.taskwire.common.util.LogSafe;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Extension "adopt": a master that announces it, with a stable {@code masterId}, gets back after
 * an outage (its restart, or a network cut past its tolerance) what the slave did for it meanwhile.
 *
 * <p>Every task of such a master is tracked from the claim of its report ({@link #claim}) until
 * the master acknowledged the report ({@link #settled}) or the result went to the {@link Outbox}
 * ({@link #keep}). When a master connects with the same id, {@link #held} lists the tasks of that id
 * still running and the results not yet delivered (reports under way and the outbox); the running
 * ones then report to the new connection ({@link MasterLinks#target}) and the outbox is delivered
 * on it ({@link OutboxDelivery}).
 *
 * <p>One lock makes a task's claim and the listing atomic toward each other, so that a task ending
 * while a master connects is listed once, as running or as a result, never as neither. A report
 * goes to the outbox before it leaves the list of reports under way, and the listing reads that
 * list first, so a result moving between the two is listed too.
 */
final class Adoption {
  /** The name of the extension, announced by both sides. */
  static final String EXTENSION = "adopt";

  private static final Logger log = LoggerFactory.getLogger(Adoption.class);

  private final Outbox outbox;
  private final Object lock = new Object();
  private final Map<String, String> reporting = new HashMap<>(); // guarded by lock: task id -> master id, reports under way

  Adoption(Outbox outbox) {
    this.outbox = Objects.requireNonNull(outbox, "outbox == null");
  }

  /** The outbox results are kept in. */
  Outbox outbox() {
    return outbox;
  }

  /**
   * The master id of a master that announced "adopt" in {@code announced}; null for any other (a
   * reference master, an older Taskwire one), or for an id that breaks the rule ({@link
   * #isValidMasterId}), which is logged: such a master gets today's behaviour.
   */
  static String masterId(TaskwireInfo announced) {
    List<String> extensions = announced.extensions();
    if (extensions == null || !extensions.contains(EXTENSION) || announced.masterId() == null) {
      return null;
    }
    String masterId = announced.masterId();
    if (!isValidMasterId(masterId)) {
      log.warn("A master announced \"{}\" with master id '{}', which is not 1 to {} printable ASCII characters;"
          + " nothing is held for it", EXTENSION, LogSafe.escape(masterId), TaskId.MAX_LENGTH);
      return null;
    }
    return masterId;
  }

  /** A master id follows the rule of a task id: 1 to 128 printable ASCII characters, no spaces. */
  static boolean isValidMasterId(String masterId) {
    try {
      TaskId.parse(masterId);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Claims the report of task {@code taskId} with {@code claim} (true for exactly one caller), and,
   * for a link of an adopting master, counts it as a report under way until it is {@link #settled}
   * or {@link #keep kept}; returns what {@code claim} did.
   */
  boolean claim(MasterLink link, String taskId, BooleanSupplier claim) {
    if (!link.adoptable()) {
      return claim.getAsBoolean();
    }
    synchronized (lock) {
      if (!claim.getAsBoolean()) {
        return false;
      }
      reporting.put(taskId, link.masterId());
      return true;
    }
  }

  /** The report of {@code taskId} on {@code link} is over: delivered, or given up for good. */
  void settled(MasterLink link, String taskId) {
    if (link.adoptable()) {
      synchronized (lock) {
        reporting.remove(taskId, link.masterId());
      }
    }
  }

  /** Keeps a result that {@code link}'s master could not take now in the outbox, for its master id. */
  void keep(MasterLink link, String taskId, boolean completed, Map<String, Object> result, String why) {
    log.warn("Report of task {} not delivered to {}, {}; kept in the {} until master id {} connects again", taskId,
        link, why, outbox, link.masterId());
    outbox.put(link.masterId(), taskId, completed, result); // first: the listing sees it here or there
    settled(link, taskId);
  }

  /**
   * What the slave holds for {@code link}'s master id, for its {@code /connect} answer: the ids of
   * the tasks {@code running} names (those of that master id, on an older link, not yet reported),
   * and of the results under way or in the outbox; null if there is none or the link's master
   * does not adopt.
   */
  Held held(MasterLink link, Function<MasterLink, List<String>> running) {
    if (!link.adoptable()) {
      return null;
    }
    synchronized (lock) {
      List<String> stillRunning = running.apply(link);
      Set<String> results = new LinkedHashSet<>();
      // Reports under way first, the outbox second: a report that moves meanwhile is in one of them.
      reporting.forEach((taskId, masterId) -> {
        if (masterId.equals(link.masterId())) {
          results.add(taskId);
        }
      });
      results.addAll(outbox.taskIds(link.masterId()));
      if (stillRunning.isEmpty() && results.isEmpty()) {
        return null;
      }
      return new Held(stillRunning, List.copyOf(results));
    }
  }
}
