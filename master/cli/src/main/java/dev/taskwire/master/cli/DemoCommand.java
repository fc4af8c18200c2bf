package dev.taskwire.master.cli;

import dev.taskwire.common.cli.CommandLines;
import dev.taskwire.master.Master;
import dev.taskwire.master.SlaveConnection;
import dev.taskwire.master.bench.LoadRunner;
import dev.taskwire.master.bench.Percentiles;
import dev.taskwire.slave.Slave;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code demo}: starts a master and N slaves in this process on loopback free ports, runs M sum
 * tasks (every {@code --fail-every}-th asks to fail, to show failures), shows progress and prints a
 * summary. Exits 0 when every task reached a final state.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, usageHelpWidth = 100,
    description = {"Runs a master and slaves in this process on loopback and sends them sum tasks.", ""})
final class DemoCommand implements Callable<Integer> {
  static final int DEFAULT_SLAVES = 4;
  static final int DEFAULT_TASKS = 1_000;
  static final int DEFAULT_FAIL_EVERY = 100;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--slaves", paramLabel = "N", description = "Slaves to start (default: ${DEFAULT-VALUE}).")
  int slaves;

  @Option(names = "--tasks", paramLabel = "M", description = "Tasks to run (default: ${DEFAULT-VALUE}).")
  int tasks;

  @Option(names = "--slots", paramLabel = "K", description = "Slots of each slave (default: ${DEFAULT-VALUE}).")
  int slots;

  @Option(names = "--fail-every", paramLabel = "N", description = "Every N-th task asks to fail; 0 = none (default: ${DEFAULT-VALUE}).")
  int failEvery;

  @Override
  public Integer call() throws Exception {
    CommandLine commandLine = spec.commandLine();
    CommandLines.apply(commandLine, "--slaves", slaves, v -> positive("slaves", v));
    CommandLines.apply(commandLine, "--tasks", tasks, v -> positive("tasks", v));
    CommandLines.apply(commandLine, "--slots", slots, v -> positive("slots", v));
    CommandLines.apply(commandLine, "--fail-every", failEvery, v -> {
      if (v < 0) {
        throw new IllegalArgumentException("failEvery < 0: " + v);
      }
    });
    PrintWriter out = commandLine.getOut();
    List<Slave> started = new ArrayList<>();
    try (Master master = Master.builder().host("127.0.0.1").port(0).callbackHost("127.0.0.1").build().start()) {
      List<SlaveConnection> connections = new ArrayList<>();
      for (int i = 0; i < slaves; i++) {
        Slave slave = Slave.builder().host("127.0.0.1").port(0).slots(slots).build().start();
        started.add(slave);
        SlaveConnection connection = master.newConnection("demo-" + (i + 1), "127.0.0.1", slave.port());
        connection.connect();
        connections.add(connection);
      }
      out.printf("Taskwire demo: %d slave%s x %d slot%s on loopback, %d tasks%n", slaves, slaves == 1 ? "" : "s",
          slots, slots == 1 ? "" : "s", tasks);
      out.flush();
      Progress progress = new Progress("tasks", tasks, commandLine.getErr(), Progress.stderrIsTerminal());
      LoadRunner.Result result = LoadRunner.run(connections, tasks, this::taskData, i -> progress.advance());
      progress.finish();
      printSummary(out, result);
      return result.allFinal() ? 0 : Main.EXIT_TASK_FAILED;
    } finally {
      started.forEach(Slave::close);
    }
  }

  private Map<String, Object> taskData(int i) {
    if (failEvery > 0 && (i + 1) % failEvery == 0) {
      return Map.of("a", i, "b", 1, "fail", true);
    }
    return Map.of("a", i, "b", 1);
  }

  private int expectedFailures() {
    return failEvery == 0 ? 0 : tasks / failEvery;
  }

  private void printSummary(PrintWriter out, LoadRunner.Result result) {
    Percentiles latency = result.latencyNanos();
    out.printf(Locale.ROOT, "completed %d, failed %d (%d on purpose), not started %d, not final %d%n",
        result.completed(), result.failed(), expectedFailures(), result.startFailed(), result.notFinal());
    out.printf(Locale.ROOT, "throughput %.0f tasks/s (%d tasks in %.2f s)%n",
        result.tasksPerSecond(), result.submitted(), result.elapsedNanos() / 1e9);
    out.printf(Locale.ROOT, "latency p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
        latency.at(0.50) / 1e6, latency.at(0.99) / 1e6, latency.max() / 1e6);
    out.println(result.allFinal() ? "every task reached a final state" : "SOME TASKS DID NOT REACH A FINAL STATE");
    out.flush();
  }

  private static void positive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " < 1: " + value);
    }
  }
}
