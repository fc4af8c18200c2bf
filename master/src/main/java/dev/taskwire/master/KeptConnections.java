package dev.taskwire.master;

import dev.taskwire.common.util.Durations;
import dev.taskwire.common.util.LogSafe;
import dev.taskwire.master.store.EmbeddedStore;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections made through the admin API, kept in the master's store so that a restarted
 * master makes them again by itself (slaves that {@code --join} come back on their own). A
 * connection is kept once it is made and forgotten when it is removed through the API; one that
 * cannot be made again at start is tried again, waiting twice as long each time up to 30 s, until
 * it is made, removed, or the master stops.
 */
public final class KeptConnections {
  private static final Logger log = LoggerFactory.getLogger(KeptConnections.class);
  private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
  private static final Duration LONGEST_RETRY = Duration.ofSeconds(30);

  private final Master master;
  private final EmbeddedStore disk;
  private final ScheduledExecutorService timer;
  /** Names forgotten while a remake was pending: it is not tried again. */
  private final Set<String> forgotten = ConcurrentHashMap.newKeySet();

  KeptConnections(Master master, EmbeddedStore disk, ScheduledExecutorService timer) {
    this.master = master;
    this.disk = disk;
    this.timer = timer;
  }

  /** Keeps the connection {@code name}, just made; returns once it is on disk. */
  public void keep(String name, String host, int port, Boolean https, Map<String, Object> data, List<String> labels) {
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("name", name);
    document.put("host", host);
    document.put("port", port);
    if (https != null) {
      document.put("https", https);
    }
    document.put("data", data == null ? Map.of() : data);
    document.put("labels", labels == null ? List.of() : labels);
    forgotten.remove(name);
    disk.keepConnection(name, document);
  }

  /** Forgets the connection {@code name}, removed through the API; returns once that is on disk. */
  public void forget(String name) {
    forgotten.add(name);
    disk.forgetConnection(name);
  }

  /** Makes every kept connection again, each on the master's timer; called once the master listens. */
  void remakeAll() {
    for (Map<String, Object> document : disk.connections()) {
      schedule(document, Duration.ZERO);
    }
  }

  private void schedule(Map<String, Object> document, Duration delay) {
    try {
      timer.schedule(() -> remake(document, delay), delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException stopping) {
      // The master is stopping: the connection stays kept for the next start.
    }
  }

  @SuppressWarnings("unchecked")
  private void remake(Map<String, Object> document, Duration lastDelay) {
    String name = (String) document.get("name");
    if (forgotten.contains(name) || master.isShuttingDown() || master.names().contains(name)) {
      return;
    }
    String host = (String) document.get("host");
    int port = ((Number) document.get("port")).intValue();
    Object https = document.get("https");
    try {
      SlaveConnection connection = https == null ? master.newConnection(name, host, port)
          : master.newConnection(name, host, port, (Boolean) https);
      connection.connectData((Map<String, Object>) document.get("data"))
          .labels((List<String>) document.get("labels"))
          .connect();
      log.info("Kept connection {} made again to {}:{}", LogSafe.escape(name), LogSafe.escape(host), port);
    } catch (Exception e) {
      Duration next = lastDelay.isZero() ? FIRST_RETRY : Durations.doubledUpTo(lastDelay, LONGEST_RETRY);
      log.info("Kept connection {} not made again ({}); trying again in {} s", LogSafe.escape(name),
          LogSafe.escape(String.valueOf(e.getMessage())), next.toSeconds());
      schedule(document, next);
    }
  }
}
