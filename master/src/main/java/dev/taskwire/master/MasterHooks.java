package dev.taskwire.master;

import dev.taskwire.common.protocol.Envelope;
import java.io.IOException;
import java.util.Map;

/**
 * Hooks around the master's three requests to a slave; override only what you need.
 *
 * <p>Each operation calls before → request → after, or before → request → error when the slave
 * could not be reached (after the retries). A failure <em>answer</em> (a wrong channel, say) is
 * thrown as its {@code SlaveResponseException} and reaches no hook, as in the reference. An
 * exception thrown by a before-hook cancels the operation and leaves nothing registered. Hooks run
 * on the thread that called {@code connect()}, {@code disconnect()} or {@code start()}.
 */
public interface MasterHooks {
  /** Hooks that send the connection's data (empty unless set) and return each answer's data. */
  MasterHooks DEFAULT = new MasterHooks() {};

  /** The {@code data} sent with {@code /connect}; by default the connection's {@link SlaveConnection#connectData()}. */
  default Map<String, Object> beforeConnect(SlaveConnection connection) {
    return connection.connectData();
  }

  /** The value {@link SlaveConnection#connect()} returns; by default the answer's data. */
  default Object afterConnect(SlaveConnection connection, Envelope answer) {
    return answer.dataOrEmpty();
  }

  /** The value {@code connect()} returns when the slave could not be reached; by default rethrows. */
  default Object errorConnect(SlaveConnection connection, IOException error) throws IOException {
    throw error;
  }

  /** The {@code data} sent with {@code /disconnect}; by default {@code {}}. */
  default Map<String, Object> beforeDisconnect(SlaveConnection connection) {
    return Map.of();
  }

  /** The value {@link SlaveConnection#disconnect()} returns; by default the answer's data. */
  default Object afterDisconnect(SlaveConnection connection, Envelope answer) {
    return answer.dataOrEmpty();
  }

  /** The value {@code disconnect()} returns when the slave could not be reached; by default rethrows. */
  default Object errorDisconnect(SlaveConnection connection, IOException error) throws IOException {
    throw error;
  }

  /** The data actually sent with {@code /task/new}; by default the task's data unchanged. */
  default Map<String, Object> beforeNewTask(Task task, Map<String, Object> data) {
    return data;
  }

  /** Called once the slave accepted the task. */
  default void afterNewTask(Task task, Envelope answer) {}

  /**
   * Called when {@code /task/new} could not be delivered; the task is START_FAILED either way. By
   * default rethrows, so {@link Task#start()} throws; return normally to make {@code start()}
   * return the failed task instead.
   */
  default void errorNewTask(Task task, IOException error) throws IOException {
    throw error;
  }

  /**
   * Called when the master dropped {@code connection} because the slave fell silent for longer than
   * the heartbeat tolerance (the slave died, or the network between them did); its tasks in flight
   * have already failed with reason LOST. Not called for {@code disconnect()}, {@code remove} or
   * the master's shutdown. Runs on the heartbeat check's thread: keep it short. Like the slave's
   * {@code lostConnection}.
   */
  default void lostConnection(SlaveConnection connection, String why) {}
}
