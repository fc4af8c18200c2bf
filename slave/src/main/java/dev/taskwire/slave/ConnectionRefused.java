package dev.taskwire.slave;

import java.util.Map;

/**
 * Thrown by the before-connection hook to refuse a master's {@code /connect}: the master receives
 * {@code SLAVE_CONNECTION_REFUSED} (503, HTTP 403) with {@link #data()} as the envelope's data.
 */
public class ConnectionRefused extends HookRefusal {
  /** A refusal answered with {@code data}. */
  public ConnectionRefused(Map<String, Object> data) {
    super("connection refused", data);
  }

  /** A refusal with empty data. */
  public ConnectionRefused() {
    this(Map.of());
  }
}
