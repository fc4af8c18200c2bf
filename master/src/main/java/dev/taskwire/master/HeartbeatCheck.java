package dev.taskwire.master;

import dev.taskwire.common.util.Durations;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every check span, drops the connections whose last heartbeat is older than the tolerance. Runs on
 * the master's timer (with the task timeouts), not on a thread of its own.
 */
final class HeartbeatCheck {
  private static final Logger log = LoggerFactory.getLogger(HeartbeatCheck.class);

  private final Connections connections;
  private final MasterConfig config;
  private final ScheduledExecutorService timer;
  private volatile ScheduledFuture<?> periodic;

  HeartbeatCheck(Connections connections, MasterConfig config, ScheduledExecutorService timer) {
    this.connections = connections;
    this.config = config;
    this.timer = timer;
  }

  void start() {
    long span = config.heartbeatCheckSpan().toNanos();
    periodic = timer.scheduleAtFixedRate(this::check, span, span, TimeUnit.NANOSECONDS);
  }

  /** Stops checking; the timer itself belongs to the master. */
  void stop() {
    ScheduledFuture<?> running = periodic;
    if (running != null) {
      running.cancel(false);
    }
  }

  private void check() {
    // Nothing may escape: an escaped throwable would cancel the periodic check for good.
    try {
      checkOnce();
    } catch (RuntimeException | Error e) {
      log.error("Heartbeat check failed; it goes on", e);
    }
  }

  private void checkOnce() {
    Duration tolerance = config.heartbeatTolerance();
    for (SlaveConnection connection : connections.live()) {
      Duration age = connection.lastHeartbeatAge();
      if (age.compareTo(tolerance) > 0) {
        log.warn("Dropping connection {} to {}: no heartbeat for {} (tolerance {})",
            connection.name(), connection.slaveAddress(), Durations.format(age), Durations.format(tolerance));
        try {
          connection.drop("dropped: no heartbeat for " + Durations.format(age));
        } catch (RuntimeException e) {
          // One connection that cannot be ended must not keep the others from being checked.
          log.error("Dropping connection {} failed", connection.name(), e);
        }
      }
    }
  }
}
