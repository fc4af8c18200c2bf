package dev.taskwire.common.protocol;

import java.time.Duration;

/** The protocol's defaults and minimums (docs/protocol.md, "Defaults"), in one place. */
public final class ProtocolDefaults {
  private ProtocolDefaults() {}

  public static final int DEFAULT_MASTER_PORT = 7235;
  public static final int DEFAULT_SLAVE_PORT = 7236;
  /** Channel 0 works, but any two Taskwire deployments on one network then accept each other. */
  public static final long DEFAULT_CHANNEL = 0;

  public static final Duration DEFAULT_HEARTBEAT_SPAN = Duration.ofSeconds(3);
  public static final Duration MIN_HEARTBEAT_SPAN = Duration.ofMillis(200);

  public static final Duration DEFAULT_HEARTBEAT_TOLERANCE = Duration.ofSeconds(17);
  public static final Duration MIN_HEARTBEAT_TOLERANCE = Duration.ofMillis(200);

  public static final Duration DEFAULT_HEARTBEAT_CHECK_SPAN = Duration.ofSeconds(1);
  public static final Duration MIN_HEARTBEAT_CHECK_SPAN = Duration.ofMillis(100);

  /** Retries after a transport error; never after a failure response. */
  public static final int DEFAULT_REQUEST_RETRIES = 5;
  public static final int MIN_REQUEST_RETRIES = 0;

  public static final Duration DEFAULT_RETRY_WAIT = Duration.ofSeconds(1);
  public static final Duration MIN_RETRY_WAIT = Duration.ZERO;

  /** Length of a token in hexadecimal characters. */
  public static final int TOKEN_HEX_LENGTH = 64;

  // Taskwire's own settings, beyond the reference.

  /** How long a client waits for a TCP connection to a peer. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  /** How long a client waits for a peer's answer; the reference waits forever. */
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);

  /** Taskwire's own limit on a request body, answered 413 above it. */
  public static final long DEFAULT_MAX_BODY_BYTES = 16L * 1024 * 1024;

  /** The protocol version a Taskwire peer announces in its extension block. */
  public static final String TASKWIRE_VERSION = "1.0";
}
