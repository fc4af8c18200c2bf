package dev.taskwire.master.scheduler;

import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.Ports;
import dev.taskwire.master.Master;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Slave JVMs of the slave module's JAR on loopback, 4 slots each, heartbeating every 200 ms, for
 * the tests that kill one; named {@code slave-0}, {@code slave-1}, ... on the master they connect to.
 */
final class SlaveJvms implements AutoCloseable {
  private static final Path SLAVE_JAR = Path.of("../slave/target/taskwire-slave.jar");

  private final List<Process> processes = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();

  /** Starts {@code count} slave JVMs, logging into {@code dir}, and waits until each listens. */
  static SlaveJvms start(Path dir, int count) throws Exception {
    SlaveJvms jvms = new SlaveJvms();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    try {
      for (int i = 0; i < count; i++) {
        int port = Ports.free();
        jvms.ports.add(port);
        jvms.processes.add(Ports.start(dir, "slave-" + i, List.of(java, "-jar", SLAVE_JAR.toString(), "--host",
            "127.0.0.1", "--port", "" + port, "--slots", "4", "--heartbeat-span", "200ms")));
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

  /** Connects {@code master} to each, as {@code slave-<i>}. */
  void connect(Master master) throws IOException {
    for (int i = 0; i < ports.size(); i++) {
      master.newConnection("slave-" + i, "127.0.0.1", ports.get(i)).connect();
    }
  }

  /** Kills the JVM behind connection {@code name} ({@code slave-<i>}) with SIGKILL and waits until it is gone. */
  void kill(String name) throws InterruptedException {
    Process victim = processes.get(Integer.parseInt(name.substring("slave-".length())));
    victim.destroyForcibly();
    if (!victim.waitFor(10, TimeUnit.SECONDS)) {
      throw new AssertionError("slave JVM " + name + " still there 10 s after SIGKILL");
    }
  }

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
