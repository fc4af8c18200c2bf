package dev.taskwire.slave;

import java.util.Map;

/**
 * Thrown by the before-disconnection hook to refuse a master's {@code /disconnect}: the master receives
 * {@code SLAVE_DISCONNECTION_REFUSED} (504, HTTP 403) with {@link #data()} as the envelope's data.
 */
public class DisconnectionRefused extends HookRefusal {
  /** A refusal answered with {@code data}. */
  public DisconnectionRefused(Map<String, Object> data) {
    super("disconnection refused", data);
  }

  /** A refusal with empty data. */
  public DisconnectionRefused() {
    this(Map.of());
  }
}
