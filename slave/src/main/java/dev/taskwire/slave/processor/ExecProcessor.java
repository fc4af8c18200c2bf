package dev.taskwire.slave.processor;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.json.JsonFormatException;
import dev.taskwire.slave.TaskFail;
import dev.taskwire.slave.TaskProcessor;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
 */
public final class ExecProcessor implements TaskProcessor {
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

  @Override
  public Map<String, Object> process(Map<String, Object> data) throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("taskwire-exec-");
    Path stdin = dir.resolve("stdin.json");
    Path stdout = dir.resolve("stdout");
    Path stderr = dir.resolve("stderr");
    try {
      Files.write(stdin, Json.toBytes(data));
      Process process = new ProcessBuilder(command)
          .redirectInput(stdin.toFile())
          .redirectOutput(stdout.toFile())
          .redirectError(stderr.toFile())
          .start();
      int exitCode;
      try {
        exitCode = process.waitFor();
      } catch (InterruptedException e) {
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
      deleteQuietly(stdin, stdout, stderr, dir);
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

  private static void deleteQuietly(Path... paths) {
    for (Path path : paths) {
      try {
        Files.deleteIfExists(path);
      } catch (IOException ignored) {
        // A leftover temp file is harmless; the task's outcome matters more.
      }
    }
  }

  @Override
  public String toString() {
    return "exec " + String.join(" ", command);
  }
}
