package dev.taskwire.master.cli;

import dev.taskwire.common.json.Json;
import dev.taskwire.master.admin.AdminMessages.EventView;
import dev.taskwire.master.admin.EventStream;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code watch}: prints the scheduler's events, one line each, until Ctrl-C, the first EMPTY event
 * ({@code --until-empty}) or the end of the stream.
 */
@Command(name = "watch", mixinStandardHelpOptions = true, usageHelpWidth = 100,
    description = {"Prints the scheduler's events as they happen, one line each (time, type, job, connection, attempt,"
        + " reason, message), until Ctrl-C.",
        "Exits 3 if the master goes away or the stream fails, 1 if the master dropped it for falling behind."})
final class WatchCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @Mixin ClientOptions options;

  @Option(names = "--until-empty", description = "Exit 0 at the first EMPTY event (nothing queued, nothing running any more).")
  boolean untilEmpty;

  @Option(names = "--json", description = "Print each event as a JSON object, as the admin API streams it.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    CommandLine commandLine = spec.commandLine();
    PrintWriter out = commandLine.getOut();
    CompletableFuture<Void> empty = new CompletableFuture<>();
    try (EventStream stream = options.client(commandLine).events(event -> {
      if (empty.isDone()) {
        return; // --until-empty saw its EMPTY: nothing after it
      }
      out.println(json ? Json.toString(view(event)) : line(event));
      out.flush();
      if (untilEmpty && "EMPTY".equals(event.type())) {
        empty.complete(null);
      }
    })) {
      commandLine.getErr().println("watching the scheduler's events at " + options.master + " (Ctrl-C to stop)");
      commandLine.getErr().flush();
      try {
        CompletableFuture.anyOf(empty, stream.end()).get();
      } catch (ExecutionException e) {
        throw new IllegalStateException("the event stream's end could not be told", e.getCause());
      }
      if (empty.isDone()) {
        return 0;
      }
      EventStream.End end = stream.end().join();
      String message;
      int code;
      switch (end) {
        case OVERFLOW -> {
          message = "the master dropped the event stream: this client fell too far behind (events were lost)";
          code = Main.EXIT_TASK_FAILED;
        }
        case FAILED -> {
          message = "master unreachable: the event stream failed: " + stream.failure();
          code = Main.EXIT_UNREACHABLE;
        }
        default -> {
          message = "the master ended the event stream (it is shutting down)";
          code = Main.EXIT_UNREACHABLE;
        }
      }
      commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + message);
      commandLine.getErr().flush();
      return code;
    }
  }

  /** {@code TIME TYPE job=ID connection=NAME attempt=N reason=REASON: message}, the fields that apply. */
  static String line(EventView event) {
    StringBuilder line = new StringBuilder().append(event.time()).append(' ').append(event.type());
    if (event.job() != null) {
      line.append(" job=").append(event.job());
    }
    if (event.connection() != null) {
      line.append(" connection=").append(event.connection());
    }
    if (event.attempt() != null) {
      line.append(" attempt=").append(event.attempt());
    }
    if (event.reason() != null) {
      line.append(" reason=").append(event.reason());
    }
    if (event.progress() != null) {
      line.append(" progress=").append(dev.taskwire.common.json.Json.toString(event.progress()));
    }
    if (event.message() != null) {
      line.append(": ").append(event.message());
    }
    return line.toString();
  }

  /** The event as the admin API streams it: the fields that apply, time as an ISO-8601 instant. */
  static Map<String, Object> view(EventView event) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("type", event.type());
    view.put("time", event.time());
    putIfSet(view, "job", event.job());
    putIfSet(view, "group", event.group());
    putIfSet(view, "connection", event.connection());
    putIfSet(view, "attempt", event.attempt());
    putIfSet(view, "task", event.task());
    putIfSet(view, "reason", event.reason());
    putIfSet(view, "message", event.message());
    return view;
  }

  private static void putIfSet(Map<String, Object> view, String key, Object value) {
    if (value != null) {
      view.put(key, value);
    }
  }
}
