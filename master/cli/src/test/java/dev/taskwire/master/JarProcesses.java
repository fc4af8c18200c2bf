package dev.taskwire.master;

import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.Ports;
import dev.taskwire.common.testing.Servers;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The runnable JARs as OS processes, for the tests that need a process (kill -9, signals, flags as
 * a user types them): {@link #start} runs one logging into a folder, registered with the test's
 * {@link Servers} to be stopped after it as a user stops it (SIGTERM, then SIGKILL after
 * {@link #STOP_GRACE}).
 */
public final class JarProcesses {
  /** The slave's JAR, as {@code mvn package} leaves it, seen from module master/cli. */
  public static final Path SLAVE_JAR = Path.of("../../slave/target/taskwire-slave.jar");
  /** The master's JAR. */
  public static final Path MASTER_JAR = Path.of("../target/taskwire-master.jar");
  /** How long a process has after the test to stop on SIGTERM before it is killed. */
  public static final Duration STOP_GRACE = Duration.ofSeconds(15);

  private JarProcesses() {}

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

  /**
   * Starts {@code command}, its output in {@code dir/name.log} (as {@link Ports#start}), registered
   * with {@code servers}: stopped after the test with SIGTERM, killed if still there after {@link #STOP_GRACE}.
   */
  public static Process start(Servers servers, Path dir, String name, List<String> command) throws IOException {
    return servers.start(Ports.start(dir, name, command), STOP_GRACE);
  }
}
