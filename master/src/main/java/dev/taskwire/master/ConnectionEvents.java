package dev.taskwire.master;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells every {@link ConnectionListener} of the master about an event, in the order they were
 * added; one that throws is logged and the others still run.
 */
final class ConnectionEvents {
  private static final Logger log = LoggerFactory.getLogger(ConnectionEvents.class);

  private final List<ConnectionListener> listeners = new CopyOnWriteArrayList<>();

  void add(ConnectionListener listener) {
    listeners.add(listener);
  }

  void remove(ConnectionListener listener) {
    listeners.remove(listener);
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

  void attemptProgress(SlaveConnection connection, Task task, java.util.Map<String, Object> progress) {
    tell(listener -> listener.attemptProgress(connection, task, progress), () -> "task " + task.id() + " progress");
  }

  void masterShuttingDown() {
    tell(ConnectionListener::masterShuttingDown, () -> "the master's shutdown");
  }

  /** Tells every listener; {@code what} names the event in the log if one fails (made only then: this is on every task's path). */
  private void tell(java.util.function.Consumer<ConnectionListener> event, java.util.function.Supplier<String> what) {
    for (ConnectionListener listener : listeners) {
      try {
        event.accept(listener);
      } catch (RuntimeException e) {
        log.error("A connection listener failed on {}", what.get(), e);
      }
    }
  }
}
