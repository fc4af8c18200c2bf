package dev.taskwire.master.cli;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.json.JsonFormatException;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.util.SlotWorkers;
import dev.taskwire.master.admin.AdminErrorCode;
import dev.taskwire.master.admin.AdminMessages.ConnectionView;
import dev.taskwire.master.admin.AdminMessages.TaskView;
import dev.taskwire.master.admin.AdminResponseException;
import dev.taskwire.master.admin.MasterClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code submit NAME JSON [--wait]} sends one task; {@code submit NAME --file tasks.jsonl} sends one
 * task per line, as many at once as the connection has slots, and writes each result as a JSON
 * line.
 */
@Command(name = "submit", mixinStandardHelpOptions = true, usageHelpWidth = 100,
    description = {"Submits one task (JSON) or many (--file, one JSON object per line) to a connection.",
        "With --file, results are written as JSON lines {\"line\", \"id\", \"status\", \"result\"}, in input order."})
final class SubmitCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @Mixin ClientOptions options;

  @Parameters(index = "0", paramLabel = "NAME", description = "Name of the connection.")
  String name;

  @Parameters(index = "1", arity = "0..1", paramLabel = "JSON", description = "The task data, a JSON object.")
  String json;

  @Option(names = "--file", paramLabel = "FILE", description = "Tasks, one JSON object per line (blank lines skipped).")
  Path file;

  @Option(names = "--out", paramLabel = "FILE", description = "Write --file results here instead of stdout.")
  Path out;

  @Option(names = "--wait", description = "Wait for the single task and print its result.")
  boolean await;

  @Option(names = "--timeout", paramLabel = "DURATION", description = "Longest wait for one task (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Override
  public Integer call() throws Exception {
    CommandLine commandLine = spec.commandLine();
    if ((json == null) == (file == null)) {
      throw new CommandLine.ParameterException(commandLine, "Give either JSON or --file, not both and not neither");
    }
    return file == null ? submitOne(commandLine) : submitFile(commandLine);
  }

  private int submitOne(CommandLine commandLine) throws IOException {
    Map<String, Object> data = ConnectCommand.parseJson(commandLine, "JSON", json);
    MasterClient client = options.client(spec.commandLine());
    String id = client.submit(name, data);
    PrintWriter stdout = commandLine.getOut();
    if (!await) {
      stdout.println(id);
      return 0;
    }
    TaskView task = client.awaitFinal(id, timeout);
    stdout.println(Json.toString(task.result()));
    int code = TaskCommand.exitCode(task, true);
    if (code != 0 || !task.isFinal()) {
      TaskView.Failure f = task.failure();
      commandLine.getErr().println("task " + id + " " + task.status() + (f != null ? ": " + f.reason() + ": " + f.message() : ""));
    }
    return code;
  }

  private int submitFile(CommandLine commandLine) throws Exception {
    List<TaskLine> tasks = readTasks(commandLine);
    MasterClient client = options.client(spec.commandLine());
    int slots = slotsOf(client);
    Progress progress = new Progress("submit " + name, tasks.size(), commandLine.getErr(), Progress.stderrIsTerminal());
    Map<Integer, Map<String, Object>> results = new java.util.concurrent.ConcurrentHashMap<>();
    try {
      // What a slot throws decides the exit code (3 for an unreachable master).
      SlotWorkers.run("taskwire-submit", slots, tasks.size(), (slot, i) -> {
        results.put(i, runOne(client, tasks.get(i).number(), tasks.get(i).data()));
        progress.advance();
      });
    } finally {
      progress.finish();
    }
    int failed = 0;
    try (Writer writer = out == null ? null : Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
      PrintWriter target = writer == null ? commandLine.getOut() : new PrintWriter(writer);
      for (int i = 0; i < tasks.size(); i++) {
        Map<String, Object> line = results.get(i);
        if (!"COMPLETED".equals(line.get("status"))) {
          failed++;
        }
        target.println(Json.toString(line));
      }
      target.flush();
    }
    commandLine.getErr().printf("%d task(s): %d completed, %d not%n", tasks.size(), tasks.size() - failed, failed);
    return failed == 0 ? 0 : Main.EXIT_TASK_FAILED;
  }

  /** Submits and waits for one task; a refusal by the master or slave becomes the line's outcome. */
  private Map<String, Object> runOne(MasterClient client, int lineNumber, Map<String, Object> data) throws IOException {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("line", lineNumber);
    try {
      String id = client.submit(name, data);
      TaskView task = client.awaitFinal(id, timeout);
      line.put("id", id);
      line.put("status", task.status());
      line.put("result", task.result());
      if (task.failure() != null) {
        line.put("failure", task.failure());
      }
    } catch (AdminResponseException.Unauthorized e) {
      throw e;
    } catch (ResponseException e) {
      line.put("id", null);
      line.put("status", "NOT_SUBMITTED");
      line.put("result", Map.of("error", e.responseMessage(), "code", e.code()));
    }
    return line;
  }

  private int slotsOf(MasterClient client) throws IOException {
    for (ConnectionView connection : client.connections()) {
      if (name.equals(connection.name()) && connection.slots() > 0) {
        return connection.slots();
      }
    }
    throw AdminErrorCode.NOT_FOUND.exception("no live connection named " + name);
  }

  /** A task of the file and the line it stood on. */
  private record TaskLine(int number, Map<String, Object> data) {}

  private List<TaskLine> readTasks(CommandLine commandLine) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new CommandLine.ParameterException(commandLine, "Invalid value for option '--file': no such file " + file);
    }
    List<TaskLine> tasks = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).isBlank()) {
        continue;
      }
      try {
        tasks.add(new TaskLine(i + 1, Json.parseObject(lines.get(i))));
      } catch (JsonFormatException e) {
        throw new CommandLine.ParameterException(commandLine,
            "Invalid value for option '--file': line " + (i + 1) + ": " + e.getMessage().replace("body", "it"));
      }
    }
    return tasks;
  }
}
