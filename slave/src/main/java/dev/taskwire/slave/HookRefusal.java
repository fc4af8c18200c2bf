package dev.taskwire.slave;

import java.util.Map;

/**
 * What a slave's before-hook throws to refuse a master's request; the master receives the
 * refusal's code (HTTP 403) with {@link #data()} as the envelope's data. One subclass per hook:
 * {@link ConnectionRefused}, {@link DisconnectionRefused}, {@link TaskRefused}.
 */
public abstract class HookRefusal extends RuntimeException {
  private final Map<String, Object> data;

  /** A refusal that says {@code message} in the slave's log and answers {@code data} (null: empty). */
  protected HookRefusal(String message, Map<String, Object> data) {
    super(message);
    this.data = data == null ? Map.of() : data;
  }

  /** The data sent back to the master; never null. */
  public Map<String, Object> data() {
    return data;
  }
}
