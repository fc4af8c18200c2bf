package dev.taskwire.common.json;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The size of a value written as JSON, in UTF-8 bytes, measured by writing it into a counter: no
 * copy of the value is made, whatever its size. For a server that must know how large an answer
 * will be before it builds it.
 */
public final class JsonSize {
  private JsonSize() {}

  /**
   * The number of bytes {@link Json#toBytes(Object)} would give for {@code value} ({@code null} is
   * 4, for {@code null}).
   *
   * @throws IllegalArgumentException if Jackson cannot write {@code value}
   */
  public static long of(Object value) {
    Counter counter = new Counter();
    try {
      Json.MAPPER.writeValue(counter, value);
    } catch (IOException e) {
      // The counter itself never fails: only Jackson can, on a value it cannot write.
      throw new IllegalArgumentException("not serializable as JSON: " + e.getMessage(), e);
    }
    return counter.bytes;
  }

  /** An output stream that keeps nothing but the count of bytes written to it. */
  private static final class Counter extends OutputStream {
    long bytes;

    @Override
    public void write(int b) {
      bytes++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      bytes += len;
    }
  }
}
