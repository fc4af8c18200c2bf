package dev.taskwire.slave;

import dev.taskwire.common.util.NamedThreads;
import java.io.IOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends {@code GET /slave/heartbeat} every heartbeat span while a master is connected. A heartbeat
 * answered with any failure loses the connection; one that cannot reach the master (after its
 * retries) loses it too, unless the master announced a heartbeat tolerance that has not yet passed
 * since its last answer: a short master outage then costs nothing. Each answer is also told to
 * {@code answered} (which delivers what is held for an adopting master, {@link OutboxDelivery}).
 */
final class Heartbeat {
  private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);

  private final MasterLinks links;
  private final SlaveConfig config;
  private final java.util.function.Consumer<MasterLink> answered;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(NamedThreads.daemon("taskwire-slave-heartbeat"));

  Heartbeat(MasterLinks links, SlaveConfig config, java.util.function.Consumer<MasterLink> answered) {
    this.links = links;
    this.config = config;
    this.answered = answered;
  }

  void start() {
    long spanNanos = config.heartbeatSpan().toNanos();
    scheduler.scheduleAtFixedRate(this::beat, spanNanos, spanNanos, TimeUnit.NANOSECONDS);
  }

  /** Stops heartbeating; waits up to {@code limit} for a heartbeat in flight. */
  void stop(java.time.Duration limit) throws InterruptedException {
    scheduler.shutdownNow();
    scheduler.awaitTermination(limit.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void beat() {
    // Nothing may escape: an escaped throwable cancels a periodic task for good, and the slave
    // would believe itself connected forever to a master that is gone.
    try {
      MasterLink link = links.current();
      if (link != null) {
        beat(link);
      }
    } catch (RuntimeException | Error e) {
      log.error("Heartbeat failed unexpectedly; it goes on", e);
    }
  }

  private void beat(MasterLink link) {
    try {
      link.heartbeatEngine().send("GET", "/slave/heartbeat", null, link.headers());
      link.contacted();
    } catch (IOException e) {
      if (link.withinMasterTolerance()) {
        // A Taskwire master keeps the connection for its tolerance: so do we, and reports wait.
        log.warn("Heartbeat to {} failed ({}); keeping the connection within the master's tolerance of {} ms",
            link.masterAddress(), e.toString(), link.masterTolerance().toMillis());
        return;
      }
      links.lose(link, e);
      return;
    } catch (RuntimeException | Error e) {
      // A failure response is a ResponseException.
      links.lose(link, e);
      return;
    }
    answered.accept(link);
  }
}
