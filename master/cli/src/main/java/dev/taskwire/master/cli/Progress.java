package dev.taskwire.master.cli;

import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Shows how many of {@code total} items are done: on a terminal a bar redrawn in place (at most 10
 * times a second), otherwise a plain line at every tenth. Thread-safe.
 */
final class Progress {
  private static final int WIDTH = 30;
  private static final long REDRAW_NANOS = 100_000_000L;

  private final String label;
  private final int total;
  private final PrintWriter err;
  private final boolean terminal;
  private final AtomicInteger done = new AtomicInteger();
  private long lastDraw;
  private int lastTenth;

  Progress(String label, int total, PrintWriter err, boolean terminal) {
    this.label = label;
    this.total = total;
    this.err = err;
    this.terminal = terminal;
  }

  /** Whether stderr is a terminal (so a redrawn bar makes sense). */
  static boolean stderrIsTerminal() {
    return System.console() != null;
  }

  /** Counts one more item done. */
  void advance() {
    int now = done.incrementAndGet();
    synchronized (this) {
      if (terminal) {
        long time = System.nanoTime();
        if (now == total || time - lastDraw >= REDRAW_NANOS) {
          lastDraw = time;
          int filled = total == 0 ? WIDTH : (int) ((long) now * WIDTH / total);
          err.printf("\r%s [%s%s] %d/%d", label, "#".repeat(filled), ".".repeat(WIDTH - filled), now, total);
          err.flush();
        }
      } else {
        int tenth = total == 0 ? 10 : (int) ((long) now * 10 / total);
        if (tenth > lastTenth) {
          lastTenth = tenth;
          err.printf("%s: %d/%d%n", label, now, total);
          err.flush();
        }
      }
    }
  }

  /** Ends the bar's line on a terminal. */
  synchronized void finish() {
    if (terminal) {
      err.println();
      err.flush();
    }
  }
}
