package dev.taskwire.master.bench;

import dev.taskwire.slave.Slave;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Slaves for a benchmark run on loopback: in this JVM, or each as a JVM of its own (started from
 * this JVM's classpath, which holds the slave's Main), so that the master's numbers are not
 * shared with the slaves'.
 */
final class SlaveFleet implements AutoCloseable {
  private final List<Slave> inProcess = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();

  static SlaveFleet start(int count, int slots, boolean asProcesses, Path logDir) throws IOException, InterruptedException {
    SlaveFleet fleet = new SlaveFleet();
    try {
      for (int i = 0; i < count; i++) {
        if (asProcesses) {
          fleet.startProcess(slots, logDir.resolve("bench-slave-" + i + ".log"));
        } else {
          Slave slave = Slave.builder().host("127.0.0.1").port(0).slots(slots).build().start();
          fleet.inProcess.add(slave);
          fleet.ports.add(slave.port());
        }
      }
      return fleet;
    } catch (IOException | RuntimeException | InterruptedException e) {
      fleet.close();
      throw e;
    }
  }

  List<Integer> ports() {
    return ports;
  }

  private void startProcess(int slots, Path log) throws IOException, InterruptedException {
    int port;
    try (ServerSocket reserve = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = reserve.getLocalPort();
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.taskwire.slave.Main",
        "--host", "127.0.0.1", "--port", Integer.toString(port), "--slots", Integer.toString(slots))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    processes.add(process);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!listening(port)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IOException("slave process on port " + port + " did not start; see " + log);
      }
      Thread.sleep(20); // polling another process's startup: nothing to wait on but the port
    }
    ports.add(port);
  }

  private static boolean listening(int port) {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() {
    inProcess.forEach(Slave::close);
    for (Process process : processes) {
      process.destroy();
    }
    for (Process process : processes) {
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }
}
