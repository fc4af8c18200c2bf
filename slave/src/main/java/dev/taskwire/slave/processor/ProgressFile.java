package dev.taskwire.slave.processor;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.json.JsonFormatException;
import dev.taskwire.common.util.LogSafe;
import dev.taskwire.slave.TaskContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The progress file of one {@code --exec} task ({@code TASKWIRE_PROGRESS_FILE}): each complete line
 * the program appends that is a JSON object becomes a {@link TaskContext#progress(Map)} update.
 *
 * <p>{@link #poll()} reads what was appended since the last call, by the file's size: the bytes
 * after the last newline are kept (at most {@link #MAX_LINE_BYTES}) until their line is complete,
 * so a line is never read half-written. A line longer than {@link #MAX_LINE_BYTES} is skipped
 * without being held; a line that is not a JSON object is skipped and logged ({@link
 * #MAX_LOGGED_BAD_LINES} times per task at most); blank lines are skipped silently. A file that
 * shrinks (the program truncated it) is read again from its start; a file the program deleted
 * yields nothing. Not thread-safe: one task's thread polls it.
 */
final class ProgressFile {
  /** The longest progress line read; a longer one is skipped. */
  static final int MAX_LINE_BYTES = 64 * 1024;
  /** How many bad lines of one task are logged; the rest are skipped silently. */
  static final int MAX_LOGGED_BAD_LINES = 3;
  /** The most read by one poll, so that a program writing without end cannot hold its task's thread. */
  static final int MAX_BYTES_PER_POLL = 4 * 1024 * 1024;

  private static final Logger log = LoggerFactory.getLogger(ProgressFile.class);

  private final Path path;
  private final TaskContext task;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private final byte[] buffer = new byte[8192];
  private long position;
  private boolean overlong; // in a line past MAX_LINE_BYTES: skip to its newline
  private int badLines;
  private boolean unreadable;

  /** Creates {@code path}, empty, for task {@code task}'s program to append to. */
  ProgressFile(Path path, TaskContext task) throws IOException {
    this.path = path;
    this.task = task;
    Files.createFile(path);
  }

  /** The file the program appends to. */
  Path path() {
    return path;
  }

  /**
   * Reads the lines completed since the last poll and reports each that is a JSON object. Never
   * throws: a file that cannot be read (the program made it unreadable) is logged once and not
   * read again, since progress must not fail the task.
   */
  void poll() {
    if (unreadable) {
      return;
    }
    try {
      read();
    } catch (IOException e) {
      unreadable = true;
      log.warn("Task {}: progress file cannot be read, no more progress read from it: {}", task.taskId(),
          LogSafe.escape(e.toString()));
    }
  }

  private void read() throws IOException {
    long size;
    try {
      size = Files.size(path);
    } catch (NoSuchFileException deletedByTheProgram) {
      return;
    }
    if (size < position) {
      // Truncated (`>` instead of `>>`): what is there now is new.
      position = 0;
      line.reset();
      overlong = false;
    }
    if (size == position) {
      return;
    }
    try (RandomAccessFile in = new RandomAccessFile(path.toFile(), "r")) {
      in.seek(position);
      long end = Math.min(size, position + MAX_BYTES_PER_POLL);
      while (position < end) {
        int read = in.read(buffer, 0, (int) Math.min(buffer.length, end - position));
        if (read < 0) {
          break;
        }
        position += read;
        take(buffer, read);
      }
    } catch (NoSuchFileException deletedByTheProgram) {
      // Nothing more to read.
    }
  }

  private void take(byte[] bytes, int length) {
    int start = 0;
    for (int i = 0; i < length; i++) {
      if (bytes[i] == '\n') {
        append(bytes, start, i - start);
        endLine();
        start = i + 1;
      }
    }
    append(bytes, start, length - start);
  }

  private void append(byte[] bytes, int offset, int length) {
    if (overlong || length == 0) {
      return;
    }
    if (line.size() + length > MAX_LINE_BYTES) {
      overlong = true;
      line.reset();
      return;
    }
    line.write(bytes, offset, length);
  }

  private void endLine() {
    if (overlong) {
      overlong = false;
      bad("a line longer than " + MAX_LINE_BYTES + " bytes");
      return;
    }
    byte[] bytes = line.toByteArray();
    line.reset();
    String text = new String(bytes, StandardCharsets.UTF_8);
    if (text.isBlank()) {
      return;
    }
    Map<String, Object> progress;
    try {
      progress = Json.parseObject(bytes);
    } catch (JsonFormatException notAnObject) {
      bad("not a JSON object: " + LogSafe.escape(text.strip()));
      return;
    }
    task.progress(progress);
  }

  private void bad(String what) {
    badLines++;
    if (badLines <= MAX_LOGGED_BAD_LINES) {
      log.warn("Task {}: progress line skipped, {}{}", task.taskId(), what,
          badLines == MAX_LOGGED_BAD_LINES ? " (further bad lines of this task are not logged)" : "");
    }
  }

  /** How many lines were skipped as bad. */
  int badLines() {
    return badLines;
  }
}
