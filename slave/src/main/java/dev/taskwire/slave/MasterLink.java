package dev.taskwire.slave;

import dev.taskwire.common.http.BaseUrl;
import dev.taskwire.common.http.HttpEngine;
import dev.taskwire.common.protocol.Extensions;
import dev.taskwire.common.protocol.Headers;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.protocol.TaskId;
import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.util.LogSafe;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One connection to a master, from its {@code /connect} until it is disconnected or lost. A new
 * connection is a new link, so work tied to an old link can tell it is over.
 *
 * @param masterExtensions the extensions the master announced; empty for a reference master
 * @param masterTolerance the heartbeat tolerance the master announced; zero if none (a reference
 *     master): then the first failed heartbeat loses the connection
 * @param progressRefused set once the master answered a progress update 404: it announced the
 *     extension but has no endpoint for it, so no more updates go on this link
 * @param masterId the stable id of a master that announced "adopt" ({@link Adoption}); null for any
 *     other master: then the tasks and results of this link end with it, as they always did
 */
record MasterLink(
    Token token,
    BaseUrl masterAddress,
    List<String> masterExtensions,
    Duration masterTolerance,
    HttpEngine heartbeatEngine,
    HttpEngine reportEngine,
    Map<String, String> headers,
    AtomicLong lastContactNanos,
    ReceivedTasks receivedTasks,
    AtomicBoolean progressRefused,
    String masterId) {

  /** How many task ids a link remembers to recognise a resent {@code /task/new}. */
  static final int RECEIVED_TASK_MEMORY = 10_000;

  static MasterLink create(Token token, BaseUrl address, List<String> extensions, Duration tolerance, String masterId,
      SlaveConfig config) {
    HttpEngine heartbeat = engine(address, config)
        .retries(config.requestRetries())
        .retryWait(config.retryWait())
        .build();
    // Reports retry by their own policy (Reporter), so their engine sends each attempt once.
    HttpEngine report = engine(address, config).retries(0).build();
    Map<String, String> headers =
        Map.of(Headers.CHANNEL, Long.toString(config.channel()), Headers.TOKEN, token.value());
    return new MasterLink(token, address, List.copyOf(extensions), tolerance, heartbeat, report, headers,
        new AtomicLong(System.nanoTime()), new ReceivedTasks(RECEIVED_TASK_MEMORY), new AtomicBoolean(), masterId);
  }

  /**
   * An engine toward the master: with the slave's TLS, it trusts the slave's CA and presents the
   * slave's certificate to a master that requires one.
   */
  static HttpEngine.Builder engine(BaseUrl address, SlaveConfig config) {
    HttpEngine.Builder engine = HttpEngine.builder(address, Side.MASTER);
    return config.tls() == null ? engine : engine.tls(config.tls().client());
  }

  /** Records that task {@code id} arrived on this link; false if it already had (a resend). */
  boolean receive(TaskId id) {
    return receivedTasks.add(id.value());
  }

  /** Forgets task {@code id}, which was refused: a later {@code /task/new} with it is a new request. */
  void forget(TaskId id) {
    receivedTasks.remove(id.value());
  }

  /** The last {@code capacity} task ids received, oldest forgotten first. */
  static final class ReceivedTasks {
    private final java.util.LinkedHashMap<String, Boolean> ids;

    ReceivedTasks(int capacity) {
      this.ids = new java.util.LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > capacity;
        }
      };
    }

    synchronized boolean add(String id) {
      return ids.putIfAbsent(id, Boolean.TRUE) == null;
    }

    synchronized void remove(String id) {
      ids.remove(id);
    }
  }

  /** Records that the master answered a heartbeat. */
  void contacted() {
    lastContactNanos.set(System.nanoTime());
  }

  /**
   * Whether the master may still consider this connection alive after a failed heartbeat: it
   * announced a tolerance, and less than that has passed since its last answer.
   */
  boolean withinMasterTolerance() {
    return !masterTolerance.isZero() && System.nanoTime() - lastContactNanos.get() < masterTolerance.toNanos();
  }

  /**
   * Whether this link's tasks and results outlive it: its master announced "adopt" and a master
   * id, so they are held for the next connection from that id.
   */
  boolean adoptable() {
    return masterId != null;
  }

  /** Whether {@code other} is a link of the same adopting master: both adoptable, with one master id. */
  boolean sameMaster(MasterLink other) {
    return other != null && masterId != null && masterId.equals(other.masterId);
  }

  /** Whether the master announced {@code extension}. */
  boolean masterSupports(String extension) {
    return masterExtensions.contains(extension);
  }

  /** Whether progress updates go to this master: it announced {@code progress} and never answered one 404. */
  boolean takesProgress() {
    return masterSupports(Extensions.PROGRESS) && !progressRefused.get();
  }

  /** Stops progress updates on this link; true for the first caller only, who logs it. */
  boolean refuseProgress() {
    return progressRefused.compareAndSet(false, true);
  }

  @Override
  public String toString() {
    return "master " + masterAddress + " (token " + token + (masterId == null ? "" : ", master id " + LogSafe.escape(masterId)) + ")";
  }
}
