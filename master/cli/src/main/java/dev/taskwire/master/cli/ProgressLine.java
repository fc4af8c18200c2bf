package dev.taskwire.master.cli;

import java.io.PrintWriter;
import java.util.Map;

/**
 * Shows a waited-for task's or job's progress where it has {@code done} and {@code total} numbers
 * (as a processor reports them: {@code {"done": 3, "total": 10}}): on a terminal a bar redrawn in
 * place, otherwise a plain line each time the numbers change. Other progress is not shown here
 * ({@code job ID} prints it whole).
 */
final class ProgressLine {
  private static final int WIDTH = 30;

  private final String label;
  private final PrintWriter err;
  private final boolean terminal;
  private String last;
  private boolean drawn;

  ProgressLine(String label, PrintWriter err, boolean terminal) {
    this.label = label;
    this.err = err;
    this.terminal = terminal;
  }

  /** Shows {@code progress} if it has numbers {@code done} and {@code total} and they changed. */
  void show(Map<String, Object> progress) {
    String text = doneOfTotal(progress);
    if (text == null || text.equals(last)) {
      return;
    }
    Number done = (Number) progress.get("done");
    Number total = (Number) progress.get("total");
    last = text;
    if (terminal) {
      double fraction = total.doubleValue() <= 0 ? 1 : Math.max(0, Math.min(1, done.doubleValue() / total.doubleValue()));
      int filled = (int) (fraction * WIDTH);
      err.printf("\r%s [%s%s] %s", label, "#".repeat(filled), ".".repeat(WIDTH - filled), text);
      drawn = true;
    } else {
      err.printf("%s: progress %s%n", label, text);
    }
    err.flush();
  }

  /** Ends the bar's line on a terminal. */
  void finish() {
    if (drawn) {
      err.println();
      err.flush();
    }
  }

  /** {@code "3/10"} for progress with numbers {@code done} and {@code total}; null for any other (or none). */
  static String doneOfTotal(Map<String, Object> progress) {
    if (progress == null || !(progress.get("done") instanceof Number done) || !(progress.get("total") instanceof Number total)) {
      return null;
    }
    return format(done) + "/" + format(total);
  }

  private static String format(Number n) {
    double value = n.doubleValue();
    return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : n.toString();
  }
}
