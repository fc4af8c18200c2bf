package dev.taskwire.slave;

import java.util.Map;

/**
 * Thrown by the before-disconnection hook to refuse a master's {@code /disconnect}: the master receives
 * {@code SLAVE_DISCONNECTION_REFUSED} (504, HTTP 403) with {@link #data()} as the envelope's data.
 */
public class DisconnectionRefused extends RuntimeException {
  private final Map<String, Object> data;

  /** A refusal answered with {@code data}. */
  public DisconnectionRefused(Map<String, Object> data) {
    super("disconnection refused");
    this.data = data == null ? Map.of() : data;
  }

  /** A refusal with empty data. */
  public DisconnectionRefused() {
    this(Map.of());
  }

  /** The data sent back to the master; never null. */
  public Map<String, Object> data() {
    return data;
  }
}
