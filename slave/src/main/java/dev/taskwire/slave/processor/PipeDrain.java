package dev.taskwire.slave.processor;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads what a process wrote to one of its pipes (stdout, stderr) without ever blocking: only the
 * bytes the pipe holds now, and at most {@link #MAX_BYTES_PER_DRAIN} per call. So one thread, the
 * task's own, can take turns at both pipes, the progress file and the process's exit, and a
 * process that writes without end can neither block the slave nor keep that thread from the rest.
 * Not thread-safe: one task's thread drains it.
 */
abstract class PipeDrain implements Closeable {
  /** The most one {@link #drain()} reads. */
  static final int MAX_BYTES_PER_DRAIN = 1024 * 1024;

  private final InputStream in;
  private final byte[] buffer = new byte[64 * 1024];

  PipeDrain(InputStream in) {
    this.in = in;
  }

  /** Reads what the pipe holds now, up to the bound, and hands it to {@link #accept}; returns how many bytes. */
  final int drain() throws IOException {
    int total = 0;
    while (total < MAX_BYTES_PER_DRAIN && !full()) {
      // available() is what a read takes without waiting: what is in the pipe (or what Java kept
      // of it when the process exited); 0 also at the end of the stream.
      int available = in.available();
      if (available <= 0) {
        break;
      }
      int read = in.read(buffer, 0, Math.min(available, buffer.length));
      if (read <= 0) {
        break;
      }
      accept(buffer, read);
      total += read;
    }
    return total;
  }

  /** Takes {@code count} bytes of {@code bytes} read from the pipe. */
  abstract void accept(byte[] bytes, int count) throws IOException;

  /** Whether no more is to be read. */
  boolean full() {
    return false;
  }

  /** Closes the pipe: a process still writing to it then gets an error (or SIGPIPE) instead of filling it. */
  @Override
  public void close() throws IOException {
    in.close();
  }
}
