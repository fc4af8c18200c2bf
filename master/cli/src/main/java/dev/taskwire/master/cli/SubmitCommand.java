package dev.taskwire.master.cli;

import dev.taskwire.common.cli.CommandLines;
import dev.taskwire.common.json.Json;
import dev.taskwire.common.json.JsonFormatException;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.util.Checks;
import dev.taskwire.common.util.SlotWorkers;
import dev.taskwire.master.admin.AdminErrorCode;
import dev.taskwire.master.admin.AdminMessages;
import dev.taskwire.master.admin.AdminMessages.JobRequest;
import dev.taskwire.master.admin.AdminMessages.JobView;
import dev.taskwire.master.admin.AdminMessages.ConnectionView;
import dev.taskwire.master.admin.AdminMessages.TaskView;
import dev.taskwire.master.admin.AdminResponseException;
import dev.taskwire.master.admin.MasterClient;
import dev.taskwire.master.scheduler.Passing;
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
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code submit NAME JSON [--wait]} sends one task to a connection; {@code submit NAME --file
 * tasks.jsonl} sends one task per line, as many at once as the connection has slots. Without NAME
 * the scheduler picks the connection: {@code submit JSON [--wait]} queues one job, {@code submit
 * --file jobs.jsonl} streams the file's lines as jobs ({@link JobFileRun}), or, for a workflow file
 * (lines with {@code "name"} and {@code "after"}, {@link WorkflowFile}), submits them upstreams first
 * ({@link WorkflowRun}). Either file form writes each result as a JSON line, in input order.
 */
@Command(name = "submit", mixinStandardHelpOptions = true, usageHelpWidth = 100,
    description = {"Submits one task (JSON) or many (--file, one JSON object per line) to a connection (NAME), or, without"
        + " NAME, as jobs to the master's scheduler, which picks the connection. A first argument starting with { is JSON.",
        "With --file, results are written as JSON lines in input order: {\"line\", \"id\", \"status\", \"result\"}"
        + " (plus \"failure\" if it did not complete; jobs also \"attempts\").",
        "Options marked Job: apply to jobs only; --window, --batch, --passing and --data-lines to a --file of jobs only.",
        "Workflow file: a --file of jobs where a line is {\"data\": {...}, \"name\": \"b\", \"after\": [\"a\"]} runs each"
        + " line after the lines it names (before or after it in the file); names are unique within the file. A file"
        + " is a workflow file when some line is an object with \"data\" (an object) and \"name\" and/or \"after\" and"
        + " no other key; then every line must be {\"data\": {...}} with optional \"name\" and \"after\". Any other"
        + " file is plain: each line is the job's data as it is ({\"data\": {...}} alone too); --data-lines makes"
        + " every file plain. A duplicate or unknown name or a cycle is a usage error naming the line (exit 2) and"
        + " nothing is submitted. A workflow file is held in memory whole (a plain file streams); keep it shorter"
        + " than serve's --job-history. A line whose upstream failed is written FAILED, reason UPSTREAM_FAILED."})
final class SubmitCommand implements Callable<Integer> {
  /** The options that only the scheduler's jobs take. */
  private static final List<String> JOB_ONLY = Stream.concat(JobFlags.NAMES.stream(), Stream.of("--window", "--batch", "--passing", "--data-lines")).toList();
  /** The options that only a --file of jobs takes. */
  private static final List<String> FILE_ONLY = List.of("--window", "--batch", "--passing", "--data-lines");

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @Mixin ClientOptions options;
  @Mixin JobFlags jobFlags;

  @Parameters(index = "0", arity = "0..1", paramLabel = "NAME",
      description = "Name of the connection; leave it out to submit to the scheduler.")
  String name;

  @Parameters(index = "1", arity = "0..1", paramLabel = "JSON", description = "The task or job data, a JSON object.")
  String json;

  @Option(names = "--file", paramLabel = "FILE", description = "Tasks or jobs, one JSON object per line (blank lines skipped).")
  Path file;

  @Option(names = "--out", paramLabel = "FILE", description = "Write --file results here instead of stdout.")
  Path out;

  @Option(names = "--wait", description = "Wait for the single task or job and print its result.")
  boolean await;

  @Option(names = "--timeout", paramLabel = "DURATION", description = "Run timeout of each task, or of each attempt of a"
      + " job; 0s = none (default: serve's --task-timeout for a task, none for a job).")
  Duration timeout;

  @Option(names = "--wait-limit", paramLabel = "DURATION", description = "Longest wait for one task or job, from its"
      + " submit (default: ${DEFAULT-VALUE}).")
  Duration waitLimit;

  @Option(names = "--window", paramLabel = "N", description = "With --file of jobs: most jobs submitted and not yet"
      + " written at once (default: ${DEFAULT-VALUE}); keep it below serve's --job-history.")
  int window;

  @Option(names = "--batch", paramLabel = "N", description = "With --file of jobs: jobs per request, 1.."
      + AdminMessages.MAX_BATCH + " (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--passing", paramLabel = "MODE", description = "With a workflow --file: how each line with \"after\""
      + " gets its upstreams' results: nest (under \"upstream\", by name), merge (their entries added to its data, later"
      + " ones winning) or none (default: ${DEFAULT-VALUE}).")
  String passing = "nest";

  @Option(names = "--data-lines", description = "With --file of jobs: every line is the job's data as it is, even one"
      + " shaped like a workflow line.")
  boolean dataLines;

  @Override
  public Integer call() throws Exception {
    CommandLine commandLine = spec.commandLine();
    if (name != null && name.strip().startsWith("{")) {
      // A connection name never contains '{': this is the data of a job.
      if (json != null) {
        throw new CommandLine.ParameterException(commandLine,
            "Give one JSON: a first argument starting with { is the data of a job, and a connection name never has {");
      }
      json = name;
      name = null;
    }
    if ((json == null) == (file == null)) {
      throw new CommandLine.ParameterException(commandLine, "Give either JSON or --file, not both and not neither");
    }
    if (name != null) {
      for (String option : JOB_ONLY) {
        if (commandLine.getParseResult().hasMatchedOption(option)) {
          throw new CommandLine.ParameterException(commandLine,
              option + " applies to jobs of the scheduler: leave out NAME to submit to the scheduler");
        }
      }
      return file == null ? submitOne(commandLine) : submitFile(commandLine);
    }
    JobRequest request = jobFlags.request(commandLine, timeout);
    if (file == null) {
      for (String option : FILE_ONLY) {
        if (commandLine.getParseResult().hasMatchedOption(option)) {
          throw new CommandLine.ParameterException(commandLine, option + " applies to --file only");
        }
      }
      return submitJob(commandLine, request);
    }
    return submitJobFile(commandLine, request);
  }

  private int submitOne(CommandLine commandLine) throws IOException {
    Map<String, Object> data = ConnectCommand.parseJson(commandLine, "JSON", json);
    String id = submitTask(commandLine, data);
    PrintWriter stdout = commandLine.getOut();
    if (!await) {
      stdout.println(id);
      return 0;
    }
    TaskView task = options.client(commandLine).awaitFinal(id, waitLimit);
    stdout.println(Json.toString(task.result()));
    int code = TaskCommand.exitCode(task, true);
    if (code != 0 || !task.isFinal()) {
      TaskView.Failure f = task.failure();
      commandLine.getErr().println("task " + id + " " + task.status() + (f != null ? ": " + f.reason() + ": " + f.message() : ""));
    }
    return code;
  }

  /** Submits a task to the connection, with {@code --timeout} if given. */
  private String submitTask(CommandLine commandLine, Map<String, Object> data) throws IOException {
    return options.client(commandLine).submit(name, data, timeout);
  }

  private int submitJob(CommandLine commandLine, JobRequest request) throws IOException {
    Map<String, Object> data = ConnectCommand.parseJson(commandLine, "JSON", json);
    MasterClient client = options.client(commandLine);
    String id = client.submitJob(data, request);
    PrintWriter stdout = commandLine.getOut();
    if (!await) {
      stdout.println(id);
      return 0;
    }
    ProgressLine shown = new ProgressLine("job " + id, commandLine.getErr(), Progress.stderrIsTerminal());
    JobView job = client.awaitJobFinal(id, waitLimit, TaskCommand.PROGRESS_POLL, view -> shown.show(view.progress()));
    shown.finish();
    stdout.println(Json.toString(job.result()));
    int code = JobCommand.exitCode(job, true);
    if (code != 0) {
      commandLine.getErr().println("job " + id + " " + job.status() + (job.failure() != null ? ": " + JobCommand.failure(job.failure()) : ""));
    }
    return code;
  }

  private int submitJobFile(CommandLine commandLine, JobRequest request) throws IOException {
    CommandLines.apply(commandLine, "--window", window, value -> Checks.atLeast("window", value, 1));
    CommandLines.apply(commandLine, "--batch", batch, value -> {
      if (value < 1 || value > AdminMessages.MAX_BATCH) {
        throw new IllegalArgumentException("batch not in 1.." + AdminMessages.MAX_BATCH + ": " + value);
      }
    });
    Passing mode = passingOf(commandLine);
    JobFileRun.Checked checked = JobFileRun.check(commandLine, file, dataLines);
    WorkflowFile workflow = null;
    if (checked.workflow()) {
      if (commandLine.getParseResult().hasMatchedOption("--window")) {
        throw new CommandLine.ParameterException(commandLine, "--window applies to a plain --file only: a workflow"
            + " file is submitted whole");
      }
      workflow = WorkflowFile.read(commandLine, file, mode);
    } else if (commandLine.getParseResult().hasMatchedOption("--passing")) {
      throw new CommandLine.ParameterException(commandLine, "--passing applies to a workflow --file only (lines"
          + " {\"data\": {...}, \"name\": ..., \"after\": [...]})");
    }
    MasterClient client = options.client(commandLine);
    Progress progress = new Progress("submit", checked.jobs(), commandLine.getErr(), Progress.stderrIsTerminal());
    int lines;
    int completed;
    try (Writer writer = out == null ? null : openOut(commandLine)) {
      PrintWriter target = writer == null ? commandLine.getOut() : new PrintWriter(writer);
      try {
        if (workflow != null) {
          WorkflowRun run = new WorkflowRun(client, request, mode, batch, waitLimit, target, progress);
          try {
            run.run(workflow);
          } finally {
            lines = run.lines();
            completed = run.completed();
          }
        } else {
          JobFileRun run = new JobFileRun(client, request, window, batch, waitLimit, target, progress);
          if (!Progress.stderrIsTerminal()) {
            run.showProgress(commandLine.getErr());
          }
          try {
            run.run(commandLine, file);
          } finally {
            lines = run.lines();
            completed = run.completed();
          }
        }
      } finally {
        progress.finish();
        target.flush();
      }
    }
    int failed = lines - completed;
    commandLine.getErr().printf("%d job(s): %d completed, %d not%n", lines, completed, failed);
    return failed == 0 ? 0 : Main.EXIT_TASK_FAILED;
  }

  /** {@code --passing} as the scheduler's mode; a usage error if it is none of nest, merge and none. */
  private Passing passingOf(CommandLine commandLine) {
    for (Passing mode : Passing.values()) {
      if (mode.name().equalsIgnoreCase(passing)) {
        return mode;
      }
    }
    throw new CommandLine.ParameterException(commandLine, "Invalid value for option '--passing': " + passing
        + " (nest, merge or none)");
  }

  private Writer openOut(CommandLine commandLine) {
    try {
      return Files.newBufferedWriter(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new CommandLine.ParameterException(commandLine, "Invalid value for option '--out': cannot write " + out
          + ": " + e.getMessage());
    }
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
        results.put(i, runOne(commandLine, client, tasks.get(i).number(), tasks.get(i).data()));
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
  private Map<String, Object> runOne(CommandLine commandLine, MasterClient client, int lineNumber, Map<String, Object> data)
      throws IOException {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("line", lineNumber);
    try {
      String id = submitTask(commandLine, data);
      TaskView task = client.awaitFinal(id, waitLimit);
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
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new CommandLine.ParameterException(commandLine, "Invalid value for option '--file': " + file + " is not UTF-8 text");
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
