package dev.taskwire.master;

import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.Ports;
import dev.taskwire.common.testing.Servers;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Slave JVMs of the slave module's JAR on loopback, for the tests that need a slave as an OS
 * process: to kill one with SIGKILL, to give it a small heap, to run it with {@code --exec}. Each
 * logs into {@code dir/slave-<i>.log}; the master names its connection {@code slave-<i>}. Register
 * with {@link Servers#start} so that every JVM is killed after the test, whatever failed; closing
 * twice (or after {@link #kill}) is safe.
 */
public final class SlaveJvms implements AutoCloseable {
  /** The slave's JAR, as {@code mvn package} leaves it, seen from module master. */
  public static final Path SLAVE_JAR = Path.of("../slave/target/taskwire-slave.jar");
  /** Heartbeats of the JVMs that {@link #killable} starts, so that a killed one is noticed soon. */
  public static final Duration KILLABLE_HEARTBEAT = Duration.ofMillis(200);

  private final List<Process> processes = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();

  private SlaveJvms() {}

  /** {@code count} JVMs of 4 slots each, heartbeating every 200 ms: the fleet of the killed-slave tests. */
  public static SlaveJvms killable(Path dir, int count) throws Exception {
    return start(dir, count, List.of(), "--slots", "4", "--heartbeat-span", KILLABLE_HEARTBEAT.toMillis() + "ms");
  }

  /**
   * Starts {@code count} slave JVMs with the JVM options {@code jvm} (before {@code -jar}) and the
   * slave flags {@code flags} (after {@code --host} and {@code --port}), and waits up to 30 s until
   * each listens; kills those already started if one does not.
   */
  public static SlaveJvms start(Path dir, int count, List<String> jvm, String... flags) throws Exception {
    SlaveJvms jvms = new SlaveJvms();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    try {
      for (int i = 0; i < count; i++) {
        int port = Ports.free();
        jvms.ports.add(port);
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(jvm);
        command.addAll(List.of("-jar", SLAVE_JAR.toString(), "--host", Servers.LOOPBACK, "--port", "" + port));
        command.addAll(List.of(flags));
        jvms.processes.add(Ports.start(dir, "slave-" + i, command));
      }
      for (int port : jvms.ports) {
        Await.until(Duration.ofSeconds(30), "slave on " + port + " listening", () -> Ports.listening(port));
      }
    } catch (Exception | Error e) {
      jvms.close();
      throw e;
    }
    return jvms;
  }

  /**
   * A master on loopback that drops a slave silent for {@code tolerance}, checked every 100 ms: to
   * notice a killed JVM soon, yet keep one starved of CPU (CI shares two cores).
   */
  public static Master.Builder watchingMaster(Duration tolerance) {
    return TestMasters.loopback().heartbeatTolerance(tolerance).heartbeatCheckSpan(Duration.ofMillis(100));
  }

  /** The port slave JVM {@code i} listens on. */
  public int port(int i) {
    return ports.get(i);
  }

  /** The process of slave JVM {@code i}. */
  public Process process(int i) {
    return processes.get(i);
  }

  /** A new connection of {@code master} to JVM {@code i}, named {@code name}; not connected yet. */
  public SlaveConnection connection(Master master, String name, int i) {
    return master.newConnection(name, Servers.LOOPBACK, ports.get(i));
  }

  /** Connects {@code master} to each, as {@code slave-<i>}. */
  public void connect(Master master) throws IOException {
    for (int i = 0; i < ports.size(); i++) {
      connection(master, "slave-" + i, i).connect();
    }
  }

  /**
   * Kills the JVM of {@code master}'s live connection with the most tasks in flight, and returns
   * that connection's name. The busiest, not any: one that a starved CI machine's heartbeat check
   * dropped early has none.
   */
  public String killBusiest(Master master) throws InterruptedException {
    String victim = master.liveConnections().stream()
        .max(Comparator.comparingInt(SlaveConnection::tasksInFlight)).orElseThrow().name();
    kill(victim);
    return victim;
  }

  /** Kills the JVM behind connection {@code name} ({@code slave-<i>}) with SIGKILL and waits until it is gone. */
  public void kill(String name) throws InterruptedException {
    kill(Integer.parseInt(name.substring("slave-".length())));
  }

  /** Kills JVM {@code i} with SIGKILL and waits until it is gone. */
  public void kill(int i) throws InterruptedException {
    Process victim = processes.get(i);
    victim.destroyForcibly();
    if (!victim.waitFor(10, TimeUnit.SECONDS)) {
      throw new AssertionError("slave JVM slave-" + i + " still there 10 s after SIGKILL");
    }
  }

  /** Kills every JVM still running (SIGKILL) and waits up to 10 s for each. */
  @Override
  public void close() {
    for (Process process : processes) {
      try {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // the others are still killed, without waiting
      }
    }
  }
}
