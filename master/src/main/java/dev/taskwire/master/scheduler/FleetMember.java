package dev.taskwire.master.scheduler;

import dev.taskwire.master.SlaveConnection;
import dev.taskwire.master.Task;
import java.util.List;
import java.util.Map;

/**
 * A live connection as the dispatcher sees it: what it places jobs by, and how it makes an
 * attempt's task. A {@link SlaveConnection} in a master ({@link #of}); a stand-in in a test.
 */
interface FleetMember {
  String name();

  /** Its labels, given and announced; read once, when it becomes live. */
  List<String> labels();

  /** The slave's slots; read once, when it becomes live. */
  int slots();

  /** Whether the slave reports progress, so that a job with a lease may go to it; read once. */
  boolean reportsProgress();

  boolean isConnected();

  /** Its tasks in flight, the scheduler's and those sent on it directly. */
  int tasksInFlight();

  /** A task carrying {@code data}, not yet sent. */
  Task newTask(Map<String, Object> data);

  /** {@code connection} as a member; two made of one connection are equal. */
  static FleetMember of(SlaveConnection connection) {
    return new Live(connection);
  }

  /** A slave connection. */
  record Live(SlaveConnection connection) implements FleetMember {
    @Override
    public String name() {
      return connection.name();
    }

    @Override
    public List<String> labels() {
      return connection.labels();
    }

    @Override
    public int slots() {
      return connection.slots();
    }

    @Override
    public boolean reportsProgress() {
      return connection.reportsProgress();
    }

    @Override
    public boolean isConnected() {
      return connection.isConnected();
    }

    @Override
    public int tasksInFlight() {
      return connection.tasksInFlight();
    }

    @Override
    public Task newTask(Map<String, Object> data) {
      return connection.newTask(data);
    }
  }
}
