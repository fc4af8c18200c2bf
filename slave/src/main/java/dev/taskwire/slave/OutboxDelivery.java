package dev.taskwire.slave;

import dev.taskwire.common.util.NamedThreads;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the {@link Outbox} to a master that connected again with the same master id, one result
 * after the other, on one thread ({@code taskwire-slave-outbox}), which also sweeps the outbox for
 * results past their age every {@link #SWEEP_INTERVAL}.
 *
 * <p>The heartbeat asks for a delivery ({@link #kick}) after each answer of an adopting master
 * while something is held for its id. So the first delivery on a new connection starts once its
 * master has answered a heartbeat, which tells that it took the connection (and read the {@code
 * held} of its answer) before its first held report arrives; and a result kept while the master was
 * live but could not take it is tried again a heartbeat later, never in a tighter loop.
 *
 * <p>A result leaves the outbox only once the master acknowledged it (or refused the report
 * itself, which is logged as an undelivered report always was); a failure the master may get over
 * ends this round and leaves the rest for the next one.
 */
final class OutboxDelivery {
  /** How often results past their age are dropped even if nothing else touches the outbox. */
  static final Duration SWEEP_INTERVAL = Duration.ofMinutes(1);

  private static final Logger log = LoggerFactory.getLogger(OutboxDelivery.class);

  private final Outbox outbox;
  private final MasterLinks links;
  private final Reporter reporter;
  private final ScheduledExecutorService executor =
      Executors.newSingleThreadScheduledExecutor(NamedThreads.daemon("taskwire-slave-outbox"));
  private MasterLink wanted; // guarded by this: the link to deliver to next
  private boolean draining; // guarded by this: a delivery round is queued or running

  OutboxDelivery(Outbox outbox, MasterLinks links, Reporter reporter) {
    this.outbox = outbox;
    this.links = links;
    this.reporter = reporter;
  }

  /** Starts the periodic sweep. */
  void start() {
    long sweep = SWEEP_INTERVAL.toNanos();
    executor.scheduleWithFixedDelay(this::sweep, sweep, sweep, TimeUnit.NANOSECONDS);
  }

  /**
   * Delivers what is held for {@code link}'s master id to it, on the outbox thread, if anything is;
   * a round already under way takes it up when it ends. Cheap when nothing is held.
   */
  void kick(MasterLink link) {
    if (!link.adoptable() || !outbox.holds(link.masterId())) {
      return;
    }
    synchronized (this) {
      wanted = link;
      if (draining) {
        return;
      }
      draining = true;
    }
    try {
      executor.execute(this::drain);
    } catch (RejectedExecutionException stopped) {
      synchronized (this) {
        draining = false;
        wanted = null;
      }
    }
  }

  /** Stops delivering: a report under way is interrupted (its result stays held); waits up to {@code limit}. */
  void stop(Duration limit) throws InterruptedException {
    executor.shutdownNow();
    if (!executor.awaitTermination(limit.toNanos(), TimeUnit.NANOSECONDS)) {
      log.warn("Outbox delivery still under way after {} ms; leaving it", limit.toMillis());
    }
  }

  private void drain() {
    while (true) {
      MasterLink link;
      synchronized (this) {
        link = wanted;
        wanted = null;
        if (link == null) {
          draining = false;
          return;
        }
      }
      try {
        deliverAll(link);
      } catch (RuntimeException | Error e) {
        // Never let one round end the thread's work for good: the next kick starts another.
        log.error("Delivering the outbox to {} failed unexpectedly", link, e);
      }
    }
  }

  private void deliverAll(MasterLink link) {
    List<HeldResult> held = outbox.held(link.masterId());
    int delivered = 0;
    for (HeldResult entry : held) {
      if (!links.isLive(link) || Thread.currentThread().isInterrupted()) {
        break; // a newer link of this master id gets its own round from its heartbeat
      }
      if (!outbox.contains(entry)) {
        continue; // dropped meanwhile (a bound), or replaced
      }
      Map<String, Object> result;
      try {
        result = outbox.result(entry);
      } catch (IOException e) {
        outbox.drop(entry, "its result cannot be read back (" + e.getMessage() + ")");
        continue;
      }
      if (result == null) {
        outbox.drop(entry, "its result is no longer where it was kept");
        continue;
      }
      Reporter.Ending ending = reporter.deliverHeld(link, entry.taskId(), entry.completed(), result);
      if (ending.delivered()) {
        outbox.remove(entry);
        delivered++;
      } else if (!ending.keepable()) {
        // Refused for good (the master has no such task): holding it longer would change nothing.
        log.error("Held result of task {} for master id {} could not be delivered, {}; {} result: {}", entry.taskId(),
            entry.masterId(), ending.why(), ending.completed() ? "completed" : "failed", Reporter.describe(ending.result()));
        outbox.remove(entry);
      } else {
        log.info("Held results for master id {} wait for a later try: the report of task {} was not taken, {}",
            link.masterId(), entry.taskId(), ending.why());
        break;
      }
    }
    if (delivered > 0) {
      log.info("Delivered {} held result(s) to {}", delivered, link);
    }
  }

  private void sweep() {
    try {
      outbox.expire();
    } catch (RuntimeException | Error e) {
      // An escaped throwable would cancel the sweep for good.
      log.error("Outbox sweep failed; it goes on", e);
    }
  }
}
