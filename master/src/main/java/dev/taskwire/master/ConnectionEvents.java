package dev.taskwire.master;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seam a dispatcher plugs into: told when a connection becomes live or ends, and when an
 * attempt (a task on a connection) ends for any reason: reported, timed out, cancelled, not
 * started, or its connection ended. A freed slot is one of these events. Listeners run on the
 * thread that caused the event, never under a connection's lock, and must be quick; one that throws
 * is logged and the others still run. An attempt's event comes once its task is final and before
 * the task's callbacks run, so a dispatcher knows before the caller's {@code join()} returns.
 */
final class ConnectionEvents {
  private static final Logger log = LoggerFactory.getLogger(ConnectionEvents.class);

  /** What a dispatcher is told. Every method has a default that does nothing. */
  interface Listener {
    /** {@code connection} is live: it may take tasks. */
    default void connectionLive(SlaveConnection connection) {}

    /** {@code connection} ended; its attempts ended before this is called. */
    default void connectionEnded(SlaveConnection connection) {}

    /** {@code task} left {@code connection}'s tasks in flight: its slot is free. */
    default void attemptEnded(SlaveConnection connection, Task task) {}
  }

  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  void add(Listener listener) {
    listeners.add(listener);
  }

  void connectionLive(SlaveConnection connection) {
    tell(listener -> listener.connectionLive(connection), () -> connection.name() + " live");
  }

  void connectionEnded(SlaveConnection connection) {
    tell(listener -> listener.connectionEnded(connection), () -> connection.name() + " ended");
  }

  void attemptEnded(SlaveConnection connection, Task task) {
    tell(listener -> listener.attemptEnded(connection, task), () -> "task " + task.id() + " ended");
  }

  /** Tells every listener; {@code what} names the event in the log if one fails (made only then: this is on every task's path). */
  private void tell(java.util.function.Consumer<Listener> event, java.util.function.Supplier<String> what) {
    for (Listener listener : listeners) {
      try {
        event.accept(listener);
      } catch (RuntimeException e) {
        log.error("A connection listener failed on {}", what.get(), e);
      }
    }
  }
}
