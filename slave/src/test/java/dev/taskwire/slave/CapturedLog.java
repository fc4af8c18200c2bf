package dev.taskwire.slave;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import dev.taskwire.common.testing.Await;

/**
 * What the slave logs while this is open: slf4j-simple writes to {@code System.err}, which this
 * swaps for a buffer (so a test class that uses it is {@code @Isolated}) and gives back on close.
 */
final class CapturedLog implements AutoCloseable {
  private final PrintStream before = System.err;
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

  private CapturedLog() {
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
  }

  /** Starts capturing. */
  static CapturedLog start() {
    return new CapturedLog();
  }

  /** Everything logged so far. */
  synchronized String text() {
    return captured.toString(StandardCharsets.UTF_8);
  }

  /** Waits up to 10 s for a line containing every one of {@code parts}; returns it. */
  String awaitLine(String... parts) {
    String[] found = new String[1];
    Await.until(Duration.ofSeconds(10), () -> "a log line with " + String.join(", ", parts) + " in:\n" + text(), () -> {
      for (String line : text().split("\n")) {
        boolean all = true;
        for (String part : parts) {
          all &= line.contains(part);
        }
        if (all) {
          found[0] = line;
          return true;
        }
      }
      return false;
    });
    return found[0];
  }

  @Override
  public void close() {
    System.setErr(before);
  }
}
