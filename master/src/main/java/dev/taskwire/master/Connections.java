package dev.taskwire.master;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The master's registry: live connections by name, connections by token (live, and pending while
 * {@code /connect} is under way), and the ids of recently ended tasks.
 *
 * <p>Tokens are looked up by their SHA-256 digest and then compared in constant time, so the time a
 * lookup takes says nothing about how much of a guessed token was right.
 */
final class Connections {
  /** How many ended task ids are remembered, so that a late or repeated report is recognised. */
  static final int ENDED_TASK_MEMORY = 100_000;

  private final Map<String, SlaveConnection> live = new ConcurrentHashMap<>();
  private final Map<SlaveConnection, Boolean> connecting = new ConcurrentHashMap<>();
  private final Map<String, SlaveConnection> byTokenDigest = new ConcurrentHashMap<>();
  private final Object namesLock = new Object();
  private final Set<String> pendingNames = new HashSet<>(); // guarded by namesLock
  private final Map<String, Boolean> endedTasks = new LinkedHashMap<>(1024, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > ENDED_TASK_MEMORY;
    }
  }; // guarded by itself

  /**
   * Reserves the connection's name and token while it connects; the name must be free, or held by
   * {@code replacing} (a joined slave's old connection, which this one replaces if it connects).
   */
  void addPending(SlaveConnection connection, SlaveConnection replacing) {
    synchronized (namesLock) {
      String name = connection.name();
      if (!nameFreeFor(name, replacing)) {
        throw new IllegalStateException("a live connection is already named " + name);
      }
      pendingNames.add(name);
      connecting.put(connection, Boolean.TRUE);
    }
    byTokenDigest.put(digest(connection.token().value()), connection);
  }

  /** Makes a pending connection live under its name. */
  void makeLive(SlaveConnection connection) {
    synchronized (namesLock) {
      pendingNames.remove(connection.name());
      connecting.remove(connection);
      live.put(connection.name(), connection);
    }
  }

  /** Removes the connection, live or pending, by name and token. */
  void forget(SlaveConnection connection) {
    synchronized (namesLock) {
      if (connecting.remove(connection) != null) {
        pendingNames.remove(connection.name());
      }
      live.remove(connection.name(), connection);
    }
    byTokenDigest.remove(digest(connection.token().value()), connection);
  }

  /** Whether no connection is connecting under {@code name} and none is live under it but {@code replacing} (may be null). */
  boolean nameFreeFor(String name, SlaveConnection replacing) {
    synchronized (namesLock) {
      return !pendingNames.contains(name) && live.get(name) == replacing;
    }
  }

  /** Whether a live connection has {@code name}, or one is connecting under it. */
  boolean nameTaken(String name) {
    return !nameFreeFor(name, null);
  }

  SlaveConnection live(String name) {
    return live.get(name);
  }

  Collection<SlaveConnection> live() {
    return List.copyOf(live.values());
  }

  /** Live connections and those still connecting: what a shutdown must end. */
  List<SlaveConnection> all() {
    synchronized (namesLock) {
      List<SlaveConnection> all = new java.util.ArrayList<>(live.values());
      all.addAll(connecting.keySet());
      return all;
    }
  }

  Set<String> names() {
    return Set.copyOf(live.keySet());
  }

  /** The connection (live or connecting) whose token is {@code candidate}, or null. */
  SlaveConnection byToken(String candidate) {
    SlaveConnection connection = byTokenDigest.get(digest(candidate));
    return connection != null && connection.token().matches(candidate) ? connection : null;
  }

  void rememberEnded(String taskId) {
    synchronized (endedTasks) {
      endedTasks.put(taskId, Boolean.TRUE);
    }
  }

  boolean recentlyEnded(String taskId) {
    synchronized (endedTasks) {
      return endedTasks.containsKey(taskId);
    }
  }

  private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every JVM has SHA-256", e);
    }
  });

  private static String digest(String token) {
    byte[] hash = SHA_256.get().digest(token.getBytes(StandardCharsets.UTF_8));
    return java.util.HexFormat.of().formatHex(hash);
  }
}
