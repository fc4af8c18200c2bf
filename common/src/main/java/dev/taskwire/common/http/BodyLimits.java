package dev.taskwire.common.http;

import dev.taskwire.common.protocol.ProtocolDefaults;
import java.time.Duration;
import java.util.Objects;

/**
 * What a server accepts of a request body (docs/protocol.md, "Limits"): {@code controlBytes} for
 * control requests (connects, disconnects, heartbeats, cancels), {@code dataBytes} where task data
 * and results travel, the whole body within {@code timeout} of the request's start, and at most
 * {@code largeBodiesAtOnce} bodies larger than {@code controlBytes} read and parsed at once.
 */
public record BodyLimits(long controlBytes, long dataBytes, Duration timeout, int largeBodiesAtOnce) {
  /** The largest body of a control request, unless the data limit is smaller. */
  public static final long DEFAULT_CONTROL_BYTES = 64 * 1024;
  /** How long the whole body of a request may take to arrive. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  /** The most large bodies held at once, however large the heap. */
  public static final int MAX_LARGE_BODIES_AT_ONCE = 16;

  public BodyLimits {
    if (controlBytes < 1 || dataBytes < 1) {
      throw new IllegalArgumentException("body limit < 1: control " + controlBytes + ", data " + dataBytes);
    }
    if (controlBytes > dataBytes) {
      throw new IllegalArgumentException("controlBytes > dataBytes: " + controlBytes + " > " + dataBytes);
    }
    Objects.requireNonNull(timeout, "timeout == null");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("body timeout <= 0: " + timeout);
    }
    if (largeBodiesAtOnce < 1) {
      throw new IllegalArgumentException("largeBodiesAtOnce < 1: " + largeBodiesAtOnce);
    }
  }

  /** The defaults: 16 MiB data bodies, 10 s. */
  public static BodyLimits defaults() {
    return of(ProtocolDefaults.DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT);
  }

  /**
   * Limits for data bodies of at most {@code dataBytes} that must arrive within {@code timeout};
   * control bodies get {@link #DEFAULT_CONTROL_BYTES} (or {@code dataBytes} if smaller), and as many
   * large bodies are held at once as fit an eighth of the heap each, from 1 to 16.
   */
  public static BodyLimits of(long dataBytes, Duration timeout) {
    long perBody = Math.max(1, dataBytes) * 8; // parsed JSON takes several times its size on the heap
    long fit = Runtime.getRuntime().maxMemory() / perBody;
    int atOnce = (int) Math.max(1, Math.min(MAX_LARGE_BODIES_AT_ONCE, fit));
    return new BodyLimits(Math.min(DEFAULT_CONTROL_BYTES, dataBytes), dataBytes, timeout, atOnce);
  }
}
