package dev.taskwire.slave.processor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A process's stdout, copied from its pipe into a file up to a cap: once more than {@code
 * maxBytes} came, {@link #overLimit()} is true, nothing more is read or written, and the file holds
 * the first {@code maxBytes}. So the disk a task's stdout takes is bounded whatever the process
 * does; stopping the process is the caller's part. The file is complete once this is closed.
 */
final class StdoutFile extends PipeDrain {
  private final Path path;
  private final long maxBytes;
  private OutputStream out; // opened at the first byte: nothing here throws before the caller can kill the process
  private long written;
  private boolean overLimit;

  /** Copies {@code pipe} into {@code path}, which exists and is empty. */
  StdoutFile(InputStream pipe, Path path, long maxBytes) {
    super(pipe);
    this.path = path;
    this.maxBytes = maxBytes;
  }

  @Override
  void accept(byte[] bytes, int count) throws IOException {
    long room = maxBytes - written;
    if (count > room) {
      overLimit = true;
      count = (int) room;
    }
    if (out == null) {
      out = Files.newOutputStream(path, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }
    out.write(bytes, 0, count);
    written += count;
  }

  @Override
  boolean full() {
    return overLimit;
  }

  /** Whether the process wrote more than the cap. */
  boolean overLimit() {
    return overLimit;
  }

  @Override
  public void close() throws IOException {
    try {
      if (out != null) {
        out.close();
      }
    } finally {
      super.close();
    }
  }
}
