package dev.taskwire.slave.processor;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.json.JsonFormatException;
import dev.taskwire.slave.ContextualTaskProcessor;
import dev.taskwire.slave.TaskContext;
import dev.taskwire.slave.TaskFail;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Runs each task as a process: the task data is written as JSON to its stdin, and the JSON object
 * it prints on stdout is the result. Any language can implement a task this way.
 *
 * <ul>
 *   <li>Exit code other than 0: the task fails with {@code {"exitCode": N, "stderr": <last 4 KiB>}}.
 *   <li>Stdout that is not one JSON object: the task fails with {@code {"error": "stdout is not a
 *       JSON object", "detail", "stdout": <first 4 KiB>, "stderr"}}.
 *   <li>More than {@link #MAX_STDOUT_BYTES} on stdout: the process and everything it started are
 *       killed at once and the task fails with {@code {"error": "output-limit", "message",
 *       "stderr"}}.
 *   <li>Interrupted (timeout, cancel, shutdown): the process and everything it started are killed.
 *   <li>However the task ends, the processes it leaves behind are killed with it: a background
 *       child still running when the command exits does not outlive its task ({@code
 *       ProcessGroup} says how, and what escapes).
 * </ul>
 *
 * <p><b>Streams.</b> Stdin is a temporary file. Stdout and stderr are pipes that the task's own
 * thread drains without ever blocking ({@code PipeDrain}): stdout into a temporary file, at most
 * {@link #MAX_STDOUT_BYTES}, stderr into memory, of which only the last {@link #EXCERPT_BYTES} are
 * kept. So a process that writes much, or never reads its stdin, can neither block nor be blocked
 * by the slave, and takes at most the cap on disk; no thread is added per task.
 *
 * <p><b>Progress.</b> The process gets the environment variable {@value #PROGRESS_FILE_ENV}: the
 * path of an empty file of its own, in a private temporary directory made for this task. Each
 * complete line it appends that is a JSON object is a progress update ({@link
 * TaskContext#progress(Map)}), e.g. {@code echo '{"done": 3, "total": 10}' >>
 * "$TASKWIRE_PROGRESS_FILE"}. The task's own thread reads what the file grew by every {@link
 * #PROGRESS_POLL_INTERVAL_MS} ms, between its turns at the pipes and its waits for the exit (which
 * it sees at once), and once more after the process exits. A line is read only once its newline is
 * there (a last line without one is never read); a line that is not a JSON object, or longer than
 * 64 KiB, is skipped (and logged, a few times per task at most). The file and its directory are
 * removed when the task ends, however it ends.
 */
public final class ExecProcessor implements ContextualTaskProcessor {
  /** The environment variable that names the task's progress file. */
  public static final String PROGRESS_FILE_ENV = "TASKWIRE_PROGRESS_FILE";
  /** How often the progress file is looked at while the process runs. */
  public static final long PROGRESS_POLL_INTERVAL_MS = 50;
  /** How much of stderr (the end) and of bad stdout (the start) a failure result carries. */
  public static final int EXCERPT_BYTES = 4096;
  /** The most a command may write to stdout; past it the task is killed and fails with {@code output-limit}. */
  public static final long MAX_STDOUT_BYTES = 64L * 1024 * 1024;
  /** The longest a waiting task's thread sleeps between two looks at the pipes, once they have been quiet a while. */
  private static final long MAX_IDLE_WAIT_MS = PROGRESS_POLL_INTERVAL_MS;
  /** How many drains of stderr after the exit, at most, for what the process wrote last. */
  private static final int MAX_FINAL_DRAINS = 64;

  private final List<String> command;
  private final long maxStdoutBytes;
  private final Path tempRoot; // null: the system's temporary directory

  /** Runs {@code command} (program and arguments) for each task. */
  public ExecProcessor(List<String> command) {
    this(command, MAX_STDOUT_BYTES, null);
  }

  /**
   * Runs {@code command} with a stdout cap of {@code maxStdoutBytes}, each task's files in a
   * directory made under {@code tempRoot} (null: the system's): for tests.
   */
  ExecProcessor(List<String> command, long maxStdoutBytes, Path tempRoot) {
    Objects.requireNonNull(command, "command == null");
    if (command.isEmpty()) {
      throw new IllegalArgumentException("command is empty");
    }
    if (maxStdoutBytes < 1) {
      throw new IllegalArgumentException("maxStdoutBytes < 1: " + maxStdoutBytes);
    }
    this.command = List.copyOf(command);
    this.maxStdoutBytes = maxStdoutBytes;
    this.tempRoot = tempRoot;
  }

  /** The program and its arguments. */
  public List<String> command() {
    return command;
  }

  /**
   * Runs the command for one task; its progress lines go to {@code task}. The task's temporary
   * directory (made private to this user) and everything in it are removed before this returns,
   * and so are the processes the command started.
   */
  @Override
  public Map<String, Object> process(TaskContext task, Map<String, Object> data)
      throws IOException, InterruptedException {
    // createTempDirectory makes it rwx------ on POSIX: other users can neither read nor write in it.
    Path dir = tempRoot == null ? Files.createTempDirectory("taskwire-exec-")
        : Files.createTempDirectory(tempRoot, "taskwire-exec-");
    Path stdin = dir.resolve("stdin.json");
    Path stdout = dir.resolve("stdout");
    Path progressPath = dir.resolve("progress");
    try {
      Files.write(stdin, Json.toBytes(data));
      ProgressFile progress = new ProgressFile(progressPath, task);
      ProcessBuilder builder = new ProcessBuilder(command).redirectInput(stdin.toFile());
      builder.environment().put(PROGRESS_FILE_ENV, progressPath.toAbsolutePath().toString());
      Files.createFile(stdout);
      Process process = ProcessGroup.start(builder);
      StderrTail stderr = new StderrTail(process.getErrorStream(), EXCERPT_BYTES);
      try (stderr; StdoutFile out = new StdoutFile(process.getInputStream(), stdout, maxStdoutBytes)) {
        try {
          watch(process, out, stderr, progress);
        } finally {
          // However it ended (exit, output limit, interrupt): what it started ends with it.
          ProcessGroup.kill(process);
        }
        drainRest(out, stderr);
        progress.poll(); // the lines written just before the exit
        if (out.overLimit()) {
          throw outputLimit(stderr);
        }
      }
      int exitCode = process.exitValue();
      if (exitCode != 0) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("exitCode", exitCode);
        result.put("stderr", stderr.text());
        throw new TaskFail(result, "command exited with " + exitCode);
      }
      return parseStdout(stdout, stderr);
    } finally {
      deleteTree(dir);
    }
  }

  /**
   * Drains both pipes and polls the progress file until the process exits or writes more than
   * the cap to stdout. While the pipes are busy it reads on without waiting; once they are quiet
   * it waits for the exit, 1 ms at first and twice as long each time up to {@link
   * #MAX_IDLE_WAIT_MS}, so an idle task costs little and a burst is read at once.
   */
  private static void watch(Process process, StdoutFile out, StderrTail stderr, ProgressFile progress)
      throws IOException, InterruptedException {
    long idleWaitMs = 1;
    long nextProgress = System.nanoTime();
    while (true) {
      if (Thread.interrupted()) {
        throw new InterruptedException(); // a busy loop never reaches waitFor, which would see it
      }
      boolean read = out.drain() + stderr.drain() > 0;
      if (out.overLimit()) {
        return;
      }
      if (System.nanoTime() - nextProgress >= 0) {
        progress.poll();
        nextProgress = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PROGRESS_POLL_INTERVAL_MS);
      }
      if (read) {
        idleWaitMs = 1;
        if (!process.isAlive()) {
          return;
        }
      } else if (process.waitFor(idleWaitMs, TimeUnit.MILLISECONDS)) {
        return;
      } else {
        idleWaitMs = Math.min(idleWaitMs * 2, MAX_IDLE_WAIT_MS);
      }
    }
  }

  /**
   * Reads what the process wrote just before it exited, still in the pipes. Its processes are
   * killed by now, so this ends: stdout at its cap at the latest, stderr after a bounded number of
   * drains (a process that escaped the kill may still write to it).
   */
  private static void drainRest(StdoutFile out, StderrTail stderr) throws IOException {
    while (!out.overLimit() && out.drain() > 0) {
      // on to the end of what is there
    }
    for (int i = 0; i < MAX_FINAL_DRAINS && stderr.drain() > 0; i++) {
      // same
    }
  }

  private TaskFail outputLimit(StderrTail stderr) {
    String message = "stdout passed " + maxStdoutBytes + " bytes; the command and its processes were killed";
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("error", "output-limit");
    result.put("message", message);
    result.put("stderr", stderr.text());
    return new TaskFail(result, message);
  }

  private static Map<String, Object> parseStdout(Path stdout, StderrTail stderr) throws IOException {
    String problem;
    try {
      return Json.parseObject(Files.readAllBytes(stdout));
    } catch (JsonFormatException e) {
      problem = e.getMessage().replace("body", "stdout");
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("error", "stdout is not a JSON object");
    result.put("detail", problem);
    result.put("stdout", head(stdout));
    result.put("stderr", stderr.text());
    throw new TaskFail(result, problem);
  }

  private static String head(Path file) throws IOException {
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      byte[] bytes = new byte[(int) Math.min(in.length(), EXCERPT_BYTES)];
      in.readFully(bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  /** Removes {@code dir} and what is in it, whatever the program left there; symbolic links are not followed. */
  private static void deleteTree(Path dir) {
    try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> {
        try {
          Files.deleteIfExists(path);
        } catch (IOException ignored) {
          // A leftover temp file is harmless; the task's outcome matters more.
        }
      });
    } catch (IOException | java.io.UncheckedIOException ignored) {
      // Same: the outcome matters more than a leftover.
    }
  }

  @Override
  public String toString() {
    return "exec " + String.join(" ", command);
  }
}
