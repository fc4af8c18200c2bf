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
 *   <li>Interrupted (timeout, shutdown): the process and all its descendants are killed.
 * </ul>
 *
 * The three streams go through temporary files, so a process that writes much, or never reads its
 * stdin, can neither block nor be blocked by the slave.
 *
 * <p><b>Progress.</b> The process gets the environment variable {@value #PROGRESS_FILE_ENV}: the
 * path of an empty file of its own, in a private temporary directory made for this task. Each
 * complete line it appends that is a JSON object is a progress update ({@link
 * TaskContext#progress(Map)}), e.g. {@code echo '{"done": 3, "total": 10}' >>
 * "$TASKWIRE_PROGRESS_FILE"}. The task's own thread watches the file: it waits for the process in
 * slices of {@link #PROGRESS_POLL_INTERVAL_MS} ms and after each reads what the file grew by, and
 * once more after the process exits, so no thread is added per task and an exit is seen at once.
 * A line is read only once its newline is there (a last line without one is never read); a line
 * that is not a JSON object, or longer than 64 KiB, is skipped (and logged, a few times per task
 * at most). The file and its directory are removed when the task ends, however it ends.
 */
public final class ExecProcessor implements ContextualTaskProcessor {
  /** The environment variable that names the task's progress file. */
  public static final String PROGRESS_FILE_ENV = "TASKWIRE_PROGRESS_FILE";
  /** How often the progress file is looked at while the process runs. */
  public static final long PROGRESS_POLL_INTERVAL_MS = 50;
  /** How much of stderr (the end) and of bad stdout (the start) a failure result carries. */
  public static final int EXCERPT_BYTES = 4096;
  /** The largest stdout read as a result. */
  public static final long MAX_STDOUT_BYTES = 64L * 1024 * 1024;

  private final List<String> command;

  /** Runs {@code command} (program and arguments) for each task. */
  public ExecProcessor(List<String> command) {
    Objects.requireNonNull(command, "command == null");
    if (command.isEmpty()) {
      throw new IllegalArgumentException("command is empty");
    }
    this.command = List.copyOf(command);
  }

  /** The program and its arguments. */
  public List<String> command() {
    return command;
  }

  /**
   * Runs the command for one task; its progress lines go to {@code task}. The task's temporary
   * directory (made private to this user) and everything in it are removed before this returns.
   */
  @Override
  public Map<String, Object> process(TaskContext task, Map<String, Object> data)
      throws IOException, InterruptedException {
    // createTempDirectory makes it rwx------ on POSIX: other users can neither read nor write in it.
    Path dir = Files.createTempDirectory("taskwire-exec-");
    Path stdin = dir.resolve("stdin.json");
    Path stdout = dir.resolve("stdout");
    Path stderr = dir.resolve("stderr");
    Path progressPath = dir.resolve("progress");
    try {
      Files.write(stdin, Json.toBytes(data));
      ProgressFile progress = new ProgressFile(progressPath, task);
      ProcessBuilder builder = new ProcessBuilder(command)
          .redirectInput(stdin.toFile())
          .redirectOutput(stdout.toFile())
          .redirectError(stderr.toFile());
      builder.environment().put(PROGRESS_FILE_ENV, progressPath.toAbsolutePath().toString());
      Process process = builder.start();
      int exitCode;
      try {
        while (!process.waitFor(PROGRESS_POLL_INTERVAL_MS, TimeUnit.MILLISECONDS)) {
          progress.poll();
        }
        exitCode = process.exitValue();
        progress.poll(); // the lines written just before the exit
      } catch (InterruptedException | RuntimeException e) {
        killTree(process);
        throw e;
      }
      if (exitCode != 0) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("exitCode", exitCode);
        result.put("stderr", tail(stderr));
        throw new TaskFail(result, "command exited with " + exitCode);
      }
      return parseStdout(stdout, stderr);
    } finally {
      deleteTree(dir);
    }
  }

  private static Map<String, Object> parseStdout(Path stdout, Path stderr) throws IOException {
    long size = Files.size(stdout);
    String problem;
    if (size > MAX_STDOUT_BYTES) {
      problem = "stdout is larger than " + MAX_STDOUT_BYTES + " bytes";
    } else {
      try {
        return Json.parseObject(Files.readAllBytes(stdout)) ;
      } catch (JsonFormatException e) {
        problem = e.getMessage().replace("body", "stdout");
      }
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("error", "stdout is not a JSON object");
    result.put("detail", problem);
    result.put("stdout", head(stdout));
    result.put("stderr", tail(stderr));
    throw new TaskFail(result, problem);
  }

  /** Kills the process and every descendant, children first, so that no grandchild survives. */
  static void killTree(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  private static String tail(Path file) throws IOException {
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      long length = in.length();
      long start = Math.max(0, length - EXCERPT_BYTES);
      byte[] bytes = new byte[(int) (length - start)];
      in.seek(start);
      in.readFully(bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    }
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
