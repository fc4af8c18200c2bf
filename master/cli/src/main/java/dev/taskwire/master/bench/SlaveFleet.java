package dev.taskwire.master.bench;

import dev.taskwire.master.Master;
import dev.taskwire.master.SlaveConnection;
import dev.taskwire.slave.Slave;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Slaves on loopback for the benchmark and the demo: in this JVM, or each as a JVM of its own
 * (started from this JVM's java binary and classpath, which holds the slave's {@code Main}: the
 * shaded master JAR does, and so does the test classpath), so that the master's numbers are not
 * shared with the slaves', and so that a slave can really be killed.
 *
 * <p>A slave process listens on port 0 and its port is read from the line it logs once it listens
 * ({@code Taskwire slave listening on http://127.0.0.1:PORT}), so there is no free-port race and no
 * polling. A reader thread per process keeps draining its output (into a log file when one is
 * given; otherwise only the last lines are kept, for an error message). Processes are killed by
 * {@link #close()}, and by a shutdown hook if this JVM ends first (Ctrl-C, SIGTERM, an uncaught
 * error): a child JVM would otherwise outlive it.
 */
public final class SlaveFleet implements AutoCloseable {
  /** How long a slave process may take to start listening (several JVMs start at once on few cores). */
  static final Duration START_WAIT = Duration.ofSeconds(60);
  /** How long a slave process gets to exit after SIGTERM at close, before it is killed. */
  static final Duration STOP_WAIT = Duration.ofSeconds(10);
  /** Lines of a slave process's output kept for an error message when it has no log file. */
  private static final int TAIL_LINES = 20;
  private static final Pattern LISTENING = Pattern.compile("Taskwire slave listening on http://[^ ]+:(\\d+),");

  private final List<Slave> inProcess = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();
  private final Thread killOnExit = new Thread(this::killAll, "taskwire-fleet-kill-on-exit");
  private boolean hookAdded;

  private SlaveFleet() {}

  /** {@code count} slaves of {@code slots} slots, in-process or as processes (logs in {@code logDir}). */
  static SlaveFleet start(int count, int slots, boolean asProcesses, Path logDir) throws IOException, InterruptedException {
    if (!asProcesses) {
      return inProcess(count, slots);
    }
    List<Path> logs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      logs.add(logDir.resolve("bench-slave-" + i + ".log"));
    }
    return processes(count, List.of(), List.of("--slots", Integer.toString(slots)), logs);
  }

  /** {@code count} slaves of {@code slots} slots in this JVM. */
  public static SlaveFleet inProcess(int count, int slots) {
    SlaveFleet fleet = new SlaveFleet();
    try {
      for (int i = 0; i < count; i++) {
        Slave slave = Slave.builder().host("127.0.0.1").port(0).slots(slots).build().start();
        fleet.inProcess.add(slave);
        fleet.ports.add(slave.port());
      }
      return fleet;
    } catch (RuntimeException e) {
      fleet.close();
      throw e;
    }
  }

  /**
   * {@code count} slave JVMs, each run as {@code java jvmOptions -cp <this classpath>
   * dev.taskwire.slave.Main --host 127.0.0.1 --port 0 slaveArgs}; returns once all listen. Slave
   * {@code i}'s output goes to {@code logs.get(i)} if {@code logs} has one, else only its last lines
   * are kept.
   *
   * @throws IOException if one does not start listening within {@link #START_WAIT}, with the end of
   *     its output; every one started is killed
   */
  public static SlaveFleet processes(int count, List<String> jvmOptions, List<String> slaveArgs, List<Path> logs)
      throws IOException, InterruptedException {
    SlaveFleet fleet = new SlaveFleet();
    try {
      Runtime.getRuntime().addShutdownHook(fleet.killOnExit);
      fleet.hookAdded = true;
      List<CompletableFuture<Integer>> announced = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.addAll(jvmOptions);
        // The port is read from this line: keep it whatever level a logging file on the classpath sets.
        command.add("-Dorg.slf4j.simpleLogger.log." + Slave.class.getName() + "=info");
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), dev.taskwire.slave.Main.class.getName(),
            "--host", "127.0.0.1", "--port", "0"));
        command.addAll(slaveArgs);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        fleet.processes.add(process);
        announced.add(readOutput(process, "slave-" + i, i < logs.size() ? logs.get(i) : null));
      }
      // Started all at once, then waited for: the JVMs start in parallel.
      for (int i = 0; i < count; i++) {
        fleet.ports.add(awaitPort(announced.get(i), fleet.processes.get(i)));
      }
      return fleet;
    } catch (IOException | RuntimeException | InterruptedException e) {
      fleet.close();
      throw e;
    }
  }

  /** The java binary of this JVM (the one running the demo or the benchmark). */
  static String javaBinary() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /**
   * Connects {@code master} to every slave, in start order, the one at index i named {@code prefix}
   * followed by {@code i + firstNumber}; returns the live connections in that order.
   */
  public List<SlaveConnection> connect(Master master, String prefix, int firstNumber)
      throws IOException {
    List<SlaveConnection> connections = new ArrayList<>(ports.size());
    for (int i = 0; i < ports.size(); i++) {
      SlaveConnection connection = master.newConnection(prefix + (i + firstNumber), "127.0.0.1", ports.get(i));
      connection.connect();
      connections.add(connection);
    }
    return connections;
  }

  /** The slaves' ports, in start order. */
  public List<Integer> ports() {
    return List.copyOf(ports);
  }

  /** The process id of slave {@code index} (a slave process only). */
  public long pid(int index) {
    return processes.get(index).pid();
  }

  /**
   * Kills slave process {@code index} with SIGKILL ({@link Process#destroyForcibly()}): no shutdown,
   * no last report, no goodbye to the master, as when a host dies. Returns once it is gone.
   *
   * @throws IllegalStateException if it has not exited within {@link #STOP_WAIT}
   */
  public void kill(int index) throws InterruptedException {
    Process process = processes.get(index);
    process.destroyForcibly();
    if (!process.waitFor(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("slave process " + process.pid() + " still alive " + STOP_WAIT.toMillis()
          + " ms after SIGKILL");
    }
  }

  /** Stops the slaves: in-process ones closed, processes sent SIGTERM, then SIGKILL after {@link #STOP_WAIT}. Safe twice. */
  @Override
  public void close() {
    inProcess.forEach(Slave::close);
    for (Process process : processes) {
      process.destroy();
    }
    long deadline = System.nanoTime() + STOP_WAIT.toNanos();
    for (Process process : processes) {
      try {
        if (!process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
    if (hookAdded) {
      hookAdded = false;
      try {
        Runtime.getRuntime().removeShutdownHook(killOnExit);
      } catch (IllegalStateException shuttingDown) {
        // This JVM is already exiting: the hook runs, and finds nothing left alive.
      }
    }
  }

  /** The shutdown hook: this JVM is ending with slave processes still running. */
  private void killAll() {
    for (Process process : processes) {
      process.destroyForcibly();
    }
    for (Process process : processes) {
      try {
        process.waitFor(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private static int awaitPort(CompletableFuture<Integer> announced, Process process)
      throws IOException, InterruptedException {
    try {
      return announced.get(START_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IOException("slave process " + process.pid() + " did not start: " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IOException("slave process " + process.pid() + " not listening within " + START_WAIT.toSeconds() + " s");
    }
  }

  /**
   * Reads {@code process}'s output to its end on a thread of its own, into {@code log} if not null;
   * the future gets the port from its listening line, or fails with the end of its output if it
   * exits first.
   */
  private static CompletableFuture<Integer> readOutput(Process process, String name, Path log) throws IOException {
    CompletableFuture<Integer> port = new CompletableFuture<>();
    BufferedWriter writer = log == null ? null : Files.newBufferedWriter(log, StandardCharsets.UTF_8);
    Thread reader = new Thread(() -> {
      ArrayDeque<String> tail = new ArrayDeque<>();
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
          BufferedWriter out = writer) {
        String line;
        while ((line = lines.readLine()) != null) {
          if (out != null) {
            out.write(line);
            out.newLine();
            out.flush();
          } else {
            tail.addLast(line);
            if (tail.size() > TAIL_LINES) {
              tail.removeFirst();
            }
          }
          if (!port.isDone()) {
            Matcher matcher = LISTENING.matcher(line);
            if (matcher.find()) {
              port.complete(Integer.parseInt(matcher.group(1)));
            }
          }
        }
      } catch (IOException | UncheckedIOException e) {
        // The process is gone (its pipe closed): nothing more to read.
      }
      port.completeExceptionally(new IOException("it exited" + (log != null ? "; see " + log
          : tail.isEmpty() ? " without output" : ", its output ending:\n" + String.join("\n", tail))));
    }, "taskwire-fleet-output-" + name);
    reader.setDaemon(true);
    reader.start();
    return port;
  }
}
