package dev.taskwire.slave.processor;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The last bytes a process wrote to its stderr, kept in memory: the rest is read and dropped, so
 * stderr takes no disk and bounded memory however much the process writes (a failure result
 * carries only its end).
 */
final class StderrTail extends PipeDrain {
  private final byte[] ring;
  private long total; // bytes taken so far; the next goes to ring[total % ring.length]

  StderrTail(InputStream pipe, int bytes) {
    super(pipe);
    this.ring = new byte[bytes];
  }

  @Override
  void accept(byte[] bytes, int count) {
    // Only the last ring.length bytes of this read can matter.
    int skip = Math.max(0, count - ring.length);
    for (int i = skip; i < count; i++) {
      ring[(int) ((total + i - skip) % ring.length)] = bytes[i];
    }
    total += count - skip;
  }

  /** The last bytes taken, as UTF-8 (a character cut at the start shows as a replacement character). */
  String text() {
    int length = (int) Math.min(total, ring.length);
    byte[] last = new byte[length];
    int start = (int) ((total - length) % ring.length);
    for (int i = 0; i < length; i++) {
      last[i] = ring[(start + i) % ring.length];
    }
    return new String(last, StandardCharsets.UTF_8);
  }
}
