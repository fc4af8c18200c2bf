package dev.taskwire.slave;

import java.util.Map;

/**
 * Optional callbacks of a slave; override only what you need. Hooks run on the HTTP thread that
 * received the request (or, for {@link #lostConnection}, the heartbeat thread), never under a lock
 * of the slave.
 */
public interface SlaveHooks {
  /** Hooks that accept everything. */
  SlaveHooks NONE = new SlaveHooks() {};

  /** Called before accepting a master's {@code /connect}, with its {@code data}; throw {@link ConnectionRefused} to refuse. */
  default void beforeConnection(Map<String, Object> data) {}

  /** Called before accepting {@code /disconnect}, with its {@code data}; throw {@link DisconnectionRefused} to refuse. */
  default void beforeDisconnection(Map<String, Object> data) {}

  /** Called before accepting {@code /task/new}, with the task data; throw {@link TaskRefused} to refuse. */
  default void beforeTask(Map<String, Object> data) {}

  /**
   * Called when the connection to the master at {@code masterAddress} is lost: a heartbeat failed
   * after its retries, or was answered with a failure. The slave then accepts a new {@code /connect}.
   */
  default void lostConnection(String masterAddress, Throwable cause) {}
}
