package dev.taskwire.master.cli;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.json.JsonFormatException;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.util.Durations;
import dev.taskwire.master.admin.AdminMessages.JobRequest;
import dev.taskwire.master.admin.AdminMessages.JobView;
import dev.taskwire.master.admin.AdminMessages.SummaryView;
import dev.taskwire.master.admin.AdminResponseException;
import dev.taskwire.master.admin.MasterClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintWriter;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * {@code submit --file FILE} without a connection: the file's lines as jobs of the scheduler,
 * streamed with backpressure, so that a file of any length runs within the master's queue bound
 * and with this process's memory flat.
 *
 * <ol>
 *   <li>{@link #check}: the file is read line by line and every non-blank line must be a JSON
 *       object; a bad line is a usage error naming it, and nothing is submitted.
 *   <li>{@link #run}: the lines are read again and submitted in batches ({@link
 *       MasterClient#submitJobs}, all or nothing), with at most {@code window} jobs outstanding: before
 *       a batch that would pass it, the oldest batch is waited for ({@link MasterClient#awaitJobs}, in
 *       long polls) and its lines written. A full queue (429 QUEUE_FULL) gets what fits in its room,
 *       or, with none, is backed off and the same jobs sent again; a batch larger than the queue's
 *       capacity is split to fit it.
 * </ol>
 *
 * What is held at any time: the ids and line numbers of at most {@code window} jobs, the data of
 * one batch, and one batch's answer.
 */
final class JobFileRun {
  /** Jobs outstanding (submitted, not yet written) at most, unless {@code --window} says otherwise. */
  static final int DEFAULT_WINDOW = 2_000;
  /** Jobs per batch request, unless {@code --batch} says otherwise. */
  static final int DEFAULT_BATCH = 500;
  /** A batch is also cut before its lines pass this many characters, far below the master's 16 MiB body limit. */
  static final int BATCH_CHARS = 1 << 20;
  /** The first wait after a QUEUE_FULL answer; it doubles up to {@link #MAX_BACKOFF}. */
  static final Duration FIRST_BACKOFF = Duration.ofMillis(20);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(1);

  private final MasterClient client;
  private final JobRequest options;
  private final int window;
  private final Duration waitLimit;
  private final ResultLines out;
  private final Deque<Chunk> outstanding = new ArrayDeque<>();
  private int batch;
  private int outstandingJobs;
  private PrintWriter progressLines; // where running jobs' progress goes; null: not shown
  private final Map<Integer, String> lastProgress = new java.util.HashMap<>(); // by line, of the oldest batch

  /**
   * A run that submits with {@code options}, at most {@code window} jobs outstanding, {@code batch}
   * per request (at most {@code window}), waits for each job at most {@code waitLimit} from its
   * submit, and writes the lines to {@code target}.
   */
  JobFileRun(MasterClient client, JobRequest options, int window, int batch, Duration waitLimit, PrintWriter target,
      Progress progress) {
    this.client = client;
    this.options = options;
    this.window = window;
    this.batch = Math.min(batch, window);
    this.waitLimit = waitLimit;
    this.out = new ResultLines(target, progress);
  }

  /**
   * Shows, on {@code err}, the progress of the oldest batch's running jobs that report {@code done}
   * and {@code total}: a line {@code line N: progress 3/10} per change, looked at every second at
   * most. Only off a terminal: there the file's own bar is what is redrawn.
   */
  void showProgress(PrintWriter err) {
    this.progressLines = err;
  }

  /** Lines written. */
  int lines() {
    return out.lines();
  }

  /** Lines whose job completed. */
  int completed() {
    return out.completed();
  }

  /**
   * What the first pass found.
   *
   * @param jobs the non-blank lines
   * @param workflow whether the file is a workflow file ({@link WorkflowFile}): some line has
   *     {@code "name"} or {@code "after"} beside its {@code "data"}
   */
  record Checked(int jobs, boolean workflow) {}

  /**
   * The first pass: how many jobs {@code file} holds, and whether it is a workflow file, after
   * checking, one line at a time, that every non-blank line is a JSON object and, in a workflow
   * file, that every line has the shape of a workflow line ({@link WorkflowFile#shapeOf}). With
   * {@code dataOnly} every line is the job's data, whatever its keys.
   *
   * @throws CommandLine.ParameterException naming the first bad line, or a file that cannot be read
   */
  static Checked check(CommandLine commandLine, Path file, boolean dataOnly) {
    int jobs = 0;
    int firstStep = 0; // the first line with "name" or "after": it makes the file a workflow file
    int firstData = 0; // the first line that is no workflow line
    try (Lines in = Lines.open(commandLine, file)) {
      String text;
      while ((text = in.next()) != null) {
        if (!text.isBlank()) {
          Map<String, Object> line = in.parse(text);
          jobs++;
          if (dataOnly) {
            continue;
          }
          WorkflowFile.Shape shape = WorkflowFile.shapeOf(line);
          if (shape == WorkflowFile.Shape.STEP && firstStep == 0) {
            firstStep = in.number();
          } else if (shape == WorkflowFile.Shape.DATA && firstData == 0) {
            firstData = in.number();
          }
        }
      }
    }
    if (firstStep > 0 && firstData > 0) {
      // Mixed files are refused rather than guessed at: in a workflow file {"data": {...}} is a
      // line's wrapper, in a plain file it is the job's data, and a line cannot say which it means.
      throw Lines.usage(commandLine, "line " + firstData + ": not a workflow line, and line " + firstStep + " made this"
          + " a workflow file: there every line is {\"data\": {...}} with optional \"name\" and \"after\" and no other"
          + " key (give --data-lines to send every line as the job's data)");
    }
    return new Checked(jobs, firstStep > 0);
  }

  /**
   * The second pass: submits every job of {@code file} and writes one line per job, in input order.
   *
   * @throws AdminResponseException.QueueFull if the queue stayed full for the whole wait limit
   * @throws IOException if the master could not be reached
   */
  void run(CommandLine commandLine, Path file) throws IOException {
    List<Integer> numbers = new ArrayList<>();
    List<Map<String, Object>> data = new ArrayList<>();
    long chars = 0;
    try (Lines in = Lines.open(commandLine, file)) {
      String text;
      while ((text = in.next()) != null) {
        if (text.isBlank()) {
          continue;
        }
        if (!data.isEmpty() && (data.size() >= batch || chars + text.length() > BATCH_CHARS)) {
          submit(numbers, data);
          numbers = new ArrayList<>();
          data = new ArrayList<>();
          chars = 0;
        }
        numbers.add(in.number());
        data.add(in.parse(text));
        chars += text.length();
      }
    }
    if (!data.isEmpty()) {
      submit(numbers, data);
    }
    while (!outstanding.isEmpty()) {
      writeOldest();
    }
  }

  /**
   * Submits the jobs of one batch, within the window, in requests of at most {@code batch} jobs. A
   * full queue is answered by sending what fits in the room it has left, or, with no room, by
   * backing off (about {@link #FIRST_BACKOFF}, doubling up to {@link #MAX_BACKOFF}) and sending the
   * same jobs again: a refused request queued none of them.
   */
  private void submit(List<Integer> numbers, List<Map<String, Object>> data) throws IOException {
    int from = 0;
    int piece = batch;
    Duration backoff = FIRST_BACKOFF;
    long giveUp = System.nanoTime() + waitLimit.toNanos();
    while (from < data.size()) {
      int to = Math.min(from + piece, data.size());
      while (outstandingJobs + (to - from) > window && !outstanding.isEmpty()) {
        writeOldest();
      }
      try {
        List<String> ids = client.submitJobs(data.subList(from, to), options);
        int[] lines = numbers.subList(from, to).stream().mapToInt(Integer::intValue).toArray();
        outstanding.add(new Chunk(lines, ids, System.nanoTime(), null));
        outstandingJobs += ids.size();
        from = to;
        piece = batch;
        backoff = FIRST_BACKOFF;
        giveUp = System.nanoTime() + waitLimit.toNanos();
      } catch (AdminResponseException.QueueFull full) {
        if (full.capacity() > 0 && batch > full.capacity()) {
          batch = full.capacity(); // never fits: every request from now on is at most the queue
          piece = batch;
          continue;
        }
        int room = room();
        if (room > 0 && room < to - from) {
          piece = room;
          continue;
        }
        if (System.nanoTime() - giveUp > 0) {
          throw full;
        }
        pause(backoff);
        backoff = Durations.doubledUpTo(backoff, MAX_BACKOFF);
      } catch (AdminResponseException.Unauthorized e) {
        throw e;
      } catch (ResponseException refused) {
        if (!isAboutTheData(refused)) {
          throw refused;
        }
        // A body too large, or a line the master refuses: halve the request until the line is
        // found, and answer that line as not submitted, as submit NAME --file does.
        if (to - from > 1) {
          int half = from + (to - from) / 2;
          submit(numbers.subList(from, half), data.subList(from, half));
          submit(numbers.subList(half, to), data.subList(half, to));
        } else {
          outstanding.add(new Chunk(new int[] {numbers.get(from)}, List.of(), System.nanoTime(), refused));
        }
        from = to;
      }
    }
  }

  /** Room left in the master's queue now, by its summary (jobs waiting for a retry take room too). */
  private int room() throws IOException {
    SummaryView summary = client.schedulerSummary();
    return summary.queueCapacity() - summary.queued() - summary.waitingForRetry();
  }

  /** 413 (the batch's body too large) or 400 BAD_REQUEST (a line the master refuses): one of the lines is the cause. */
  private static boolean isAboutTheData(ResponseException e) {
    return e.httpStatus() == 413 || e instanceof AdminResponseException.BadRequest;
  }

  /**
   * Waits about {@code backoff} for room in the queue: on the oldest batch, if there is one (written
   * as soon as it is final, which is room made by this run), else simply.
   */
  private void pause(Duration backoff) throws IOException {
    Chunk oldest = outstanding.peek();
    if (oldest != null && oldest.refusal == null) {
      List<JobView> views = await(client, oldest.ids, backoff);
      if (views.stream().allMatch(JobFileRun::isFinal)) {
        outstanding.remove();
        write(oldest, views);
      }
      return;
    }
    try {
      Thread.sleep(backoff.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while the queue was full");
    }
  }

  /** Waits for the oldest batch to be final, or for its wait limit (from its submit), and writes its lines. */
  private void writeOldest() throws IOException {
    Chunk oldest = outstanding.remove();
    List<JobView> views = List.of();
    if (oldest.refusal == null) {
      long deadline = oldest.submittedAt + waitLimit.toNanos();
      do {
        Duration poll = MasterClient.longPoll(Duration.ofNanos(deadline - System.nanoTime()));
        if (progressLines != null && poll.compareTo(TaskCommand.PROGRESS_POLL) > 0) {
          poll = TaskCommand.PROGRESS_POLL;
        }
        views = await(client, oldest.ids, poll);
        showProgress(oldest, views);
      } while (!views.stream().allMatch(JobFileRun::isFinal) && deadline - System.nanoTime() > 0);
    }
    lastProgress.clear();
    write(oldest, views);
  }

  /**
   * {@link MasterClient#awaitJobs} of {@code ids}; a job the master no longer keeps (its job history
   * is shorter than the window) is null in the list rather than failing the whole wait.
   */
  static List<JobView> await(MasterClient client, List<String> ids, Duration timeout) throws IOException {
    try {
      return client.awaitJobs(ids, timeout);
    } catch (AdminResponseException.NotFound forgotten) {
      List<JobView> views = new ArrayList<>(ids.size());
      for (String id : ids) {
        try {
          views.add(client.job(id));
        } catch (AdminResponseException.NotFound e) {
          views.add(null);
        }
      }
      return views;
    }
  }

  private void showProgress(Chunk chunk, List<JobView> views) {
    if (progressLines == null) {
      return;
    }
    for (int i = 0; i < views.size(); i++) {
      JobView view = views.get(i);
      String text = view == null || view.isFinal() ? null : ProgressLine.doneOfTotal(view.progress());
      if (text != null && !text.equals(lastProgress.put(chunk.lines[i], text))) {
        progressLines.printf("line %d: progress %s%n", chunk.lines[i], text);
        progressLines.flush();
      }
    }
  }

  static boolean isFinal(JobView view) {
    return view == null || view.isFinal();
  }

  /** Writes one line per job of {@code chunk}, in order, and drops it from the window. */
  private void write(Chunk chunk, List<JobView> views) {
    outstandingJobs -= chunk.ids.size();
    for (int i = 0; i < chunk.lines.length; i++) {
      Map<String, Object> line = chunk.refusal != null ? refusedLine(chunk.lines[i], chunk.refusal)
          : jobLine(chunk.lines[i], chunk.ids.get(i), views.get(i), FORGOTTEN);
      out.write(line);
    }
    out.flush();
  }

  /** The output line of a line the master refused. */
  static Map<String, Object> refusedLine(int number, ResponseException refusal) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("line", number);
    line.put("id", null);
    line.put("status", "NOT_SUBMITTED");
    line.put("result", Map.of("error", refusal.responseMessage(), "code", refusal.code()));
    line.put("attempts", 0);
    return line;
  }

  /** What a line of a job the master no longer keeps says, for a plain file. */
  static final String FORGOTTEN = "the master no longer keeps this job: make --window smaller than serve's --job-history";

  /**
   * The output line of the job {@code id} submitted for line {@code number}, as {@code job} shows
   * it; null for a job the master no longer keeps, the line then saying {@code forgotten}.
   */
  static Map<String, Object> jobLine(int number, String id, JobView job, String forgotten) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("line", number);
    if (job == null) {
      line.put("id", id);
      line.put("status", "UNKNOWN");
      line.put("result", null);
      line.put("failure", Map.of("reason", "NOT_FOUND", "message", forgotten));
      line.put("attempts", null);
    } else {
      line.put("id", job.id());
      line.put("status", job.status());
      line.put("result", job.result());
      if (job.failure() != null) {
        line.put("failure", job.failure());
      }
      line.put("attempts", job.attempts().size());
    }
    return line;
  }

  /**
   * Jobs submitted in one request (or one line refused), in input order.
   *
   * @param lines their line numbers
   * @param ids their job ids; empty for a refused line
   * @param submittedAt {@link System#nanoTime()} of the submit
   * @param refusal why the master refused the line; null if submitted
   */
  private record Chunk(int[] lines, List<String> ids, long submittedAt, ResponseException refusal) {
    @Override
    public String toString() {
      return "Chunk" + Arrays.toString(lines);
    }
  }

  /** The file's lines, one at a time, with their numbers; a failure to read is a usage error naming the file. */
  static final class Lines implements AutoCloseable {
    private final CommandLine commandLine;
    private final Path file;
    private final BufferedReader reader;
    private int number;

    private Lines(CommandLine commandLine, Path file, BufferedReader reader) {
      this.commandLine = commandLine;
      this.file = file;
      this.reader = reader;
    }

    static Lines open(CommandLine commandLine, Path file) {
      try {
        return new Lines(commandLine, file, Files.newBufferedReader(file, StandardCharsets.UTF_8));
      } catch (NoSuchFileException e) {
        throw usage(commandLine, "no such file " + file);
      } catch (IOException e) {
        throw usage(commandLine, "cannot read " + file + ": " + e.getMessage());
      }
    }

    /** The next line, or null at the end. */
    String next() {
      try {
        String text = reader.readLine();
        if (text != null) {
          number++;
        }
        return text;
      } catch (MalformedInputException e) {
        throw usage(commandLine, "line " + (number + 1) + ": it is not UTF-8");
      } catch (IOException e) {
        throw usage(commandLine, "cannot read " + file + " at line " + (number + 1) + ": " + e.getMessage());
      }
    }

    /** The number of the line {@link #next()} returned last, from 1. */
    int number() {
      return number;
    }

    /** {@code text}, the current line, as a JSON object. */
    Map<String, Object> parse(String text) {
      try {
        return Json.parseObject(text);
      } catch (JsonFormatException e) {
        throw usage(commandLine, "line " + number + ": " + e.getMessage().replace("body", "it"));
      }
    }

    @Override
    public void close() {
      try {
        reader.close();
      } catch (IOException e) {
        // Read to the end or failed already: nothing left to lose.
      }
    }

    /** A usage error about {@code --file}: {@code message} should name the line. */
    static CommandLine.ParameterException usage(CommandLine commandLine, String message) {
      return new CommandLine.ParameterException(commandLine, "Invalid value for option '--file': " + message);
    }
  }
}
