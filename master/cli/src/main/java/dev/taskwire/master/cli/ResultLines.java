package dev.taskwire.master.cli;

import dev.taskwire.common.json.Json;
import java.io.PrintWriter;
import java.util.Map;

/** The output of {@code submit --file} of jobs: one JSON line per input line, counted, with progress. */
final class ResultLines {
  private final PrintWriter target;
  private final Progress progress;
  private int lines;
  private int completed;

  ResultLines(PrintWriter target, Progress progress) {
    this.target = target;
    this.progress = progress;
  }

  /** Writes {@code line} (not yet flushed), counts it, and advances the progress. */
  void write(Map<String, Object> line) {
    if ("COMPLETED".equals(line.get("status"))) {
      completed++;
    }
    lines++;
    target.println(Json.toString(line));
    progress.advance();
  }

  void flush() {
    target.flush();
  }

  /** Lines written. */
  int lines() {
    return lines;
  }

  /** Lines whose job completed. */
  int completed() {
    return completed;
  }
}
