package dev.taskwire.master;

import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.Ports;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The runnable JARs as OS processes, for the tests that need a process (kill -9, signals, flags as
 * a user types them): {@link #start} runs one logging into a folder, and after each test every
 * process started is stopped (SIGTERM, then SIGKILL after 15 s). Register with
 * {@code @RegisterExtension}.
 */
public final class JarProcesses implements AfterEachCallback {
  /** The slave's JAR, as {@code mvn package} leaves it, seen from module master/cli. */
  public static final Path SLAVE_JAR = Path.of("../../slave/target/taskwire-slave.jar");
  /** The master's JAR. */
  public static final Path MASTER_JAR = Path.of("../target/taskwire-master.jar");

  private final List<Process> processes = new CopyOnWriteArrayList<>();

  /** The {@code java} of the JVM running the tests. */
  public static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * Waits up to 30 s until a master JAR started with {@code serve} listens on {@code port} and has
   * written its admin token to {@code token}: the file exists a moment before the token is in it.
   */
  public static void awaitMaster(int port, Path token) {
    Await.until(Duration.ofSeconds(30), "master listening and token written",
        () -> Ports.listening(port) && token.toFile().length() > 0);
  }

  /** Starts {@code command}, its output in {@code dir/name.log} (as {@link Ports#start}); stopped after the test. */
  public Process start(Path dir, String name, List<String> command) throws IOException {
    return add(Ports.start(dir, name, command));
  }

  /** Stops {@code process} after the test too; returns it. */
  public Process add(Process process) {
    processes.add(process);
    return process;
  }

  @Override
  public void afterEach(ExtensionContext context) throws InterruptedException {
    for (Process process : processes) {
      process.destroy();
    }
    for (Process process : processes) {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
    processes.clear();
  }
}
