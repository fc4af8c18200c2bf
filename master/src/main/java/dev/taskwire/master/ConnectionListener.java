package dev.taskwire.master;

/**
 * Told when a connection becomes live or ends, when an attempt (a task on a connection) ends for any
 * reason (reported, timed out, cancelled, not started, its connection ended), and when the master
 * begins to shut down: the seam the {@link dev.taskwire.master.scheduler.Scheduler} plugs into, and
 * open to anyone who watches a fleet. Add one with {@link Master#addConnectionListener}.
 *
 * <p>Methods run on the thread that caused the event (an HTTP thread for a report), never under a
 * connection's lock, and must be quick: hand longer work to a thread of your own. One that throws is
 * logged and the other listeners still run. An attempt's event comes once its task is final and
 * before the task's callbacks run. Every method has a default that does nothing.
 */
public interface ConnectionListener {
  /** {@code connection} is live: it may take tasks. */
  default void connectionLive(SlaveConnection connection) {}

  /** {@code connection} ended; its attempts ended (and were told) before this is called. */
  default void connectionEnded(SlaveConnection connection) {}

  /** {@code task} left {@code connection}'s tasks in flight: its slot is free. */
  default void attemptEnded(SlaveConnection connection, Task task) {}

  /**
   * The slave of {@code connection} reported {@code progress} (a JSON object) of {@code task}, which
   * is in flight; the task's own progress callbacks are told after this.
   */
  default void attemptProgress(SlaveConnection connection, Task task, java.util.Map<String, Object> progress) {}

  /**
   * The master began to shut down: no connection has ended yet, and none will become live. Called
   * once, on the thread that called {@link Master#shutdown()}.
   */
  default void masterShuttingDown() {}
}
