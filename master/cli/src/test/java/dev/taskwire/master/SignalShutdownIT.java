package dev.taskwire.master;

import static dev.taskwire.master.JarProcesses.MASTER_JAR;
import static dev.taskwire.master.JarProcesses.SLAVE_JAR;
import static dev.taskwire.master.JarProcesses.java;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.Ports;
import dev.taskwire.common.testing.RawHttp;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.common.util.SignalShutdown;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM stops a slave JAR and a master JAR, as OS processes on loopback, within the grace period
 * plus {@link SignalShutdown#MARGIN} while one of their HTTP threads is stuck in a handler reading
 * a request body that never comes. The process must exit by itself: no SIGKILL.
 */
class SignalShutdownIT {
  private static final Duration SLAVE_GRACE = Duration.ofSeconds(1);
  /** For the JVM to exit once halted or stopped, on a loaded two-core machine. */
  private static final Duration SLACK = Duration.ofSeconds(3);
  /** The frame a handler thread is in while it waits for the body. */
  private static final String BODY_READ_FRAME = "dev.taskwire.common.http.BodyReader.read";

  @TempDir Path dir;
  /** Closes the sockets after the test and kills every process with SIGKILL, whatever failed: never a JVM left behind. */
  @RegisterExtension final Servers servers = new Servers();

  /**
   * Besides the stuck handler, the slave has a running task and a master that accepts connections
   * but never answers: without the forced exit its shutdown takes the grace period plus about 14 s
   * (reports drained, heartbeat stopped, Jetty giving up on the stuck thread), with it at most the
   * grace period plus the margin.
   */
  @Test
  @Timeout(120)
  void sigtermStopsASlaveWithAHandlerStuckReadingABodyAndAMasterThatNeverAnswers() throws Exception {
    assertTrue(Files.exists(SLAVE_JAR), "run after mvn package: " + SLAVE_JAR.toAbsolutePath());
    int port = Ports.free();
    Process slave = start("slave", List.of(java(), "-jar", SLAVE_JAR.toString(), "--grace-period", "1s",
        // A body time limit far past the test, so that the handler really stays stuck.
        "--body-timeout", "10m", "--host", "127.0.0.1", "--port", "" + port));
    Await.until(Duration.ofSeconds(30), "slave listening", () -> Ports.listening(port));
    int silentMaster = startSilentMaster();
    Map<String, String> headers = Map.of("Channel", "0", "Token", "master-token");
    RawHttp.Response connected = RawHttp.send(port, "POST", "/connect", headers,
        "{\"master\": {\"address\": \"http://127.0.0.1:" + silentMaster + "\"}}");
    assertEquals(200, connected.status(), connected.body());
    RawHttp.Response started = RawHttp.send(port, "POST", "/task/new", headers,
        "{\"task\": {\"id\": \"1\"}, \"data\": {\"a\": 1, \"b\": 2, \"sleepMs\": 600000}}");
    assertEquals("Task received!", started.envelope().message());

    sendHeadOfABody(port, "POST /connect HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nChannel: 0\r\nToken: x\r\n");
    awaitHandlerReadingTheBody(slave);

    assertStopsOnSigterm(slave, SLAVE_GRACE.plus(SignalShutdown.MARGIN));
  }

  @Test
  @Timeout(120)
  void sigtermStopsAMasterWithAnAdminHandlerStuckReadingABody() throws Exception {
    assertTrue(Files.exists(MASTER_JAR), "run after mvn package: " + MASTER_JAR.toAbsolutePath());
    String token = HexFormat.of().formatHex(randomBytes(32));
    Path tokenFile = dir.resolve("admin-token");
    Files.createFile(tokenFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(tokenFile, token + "\n");
    int port = Ports.free();
    Process master = start("master", List.of(java(), "-jar", MASTER_JAR.toString(), "serve", "--host", "127.0.0.1",
        "--port", "" + port, "--my-address", "http://127.0.0.1:" + port, "--admin-token-file", tokenFile.toString(),
        "--body-timeout", "10m"));
    Await.until(Duration.ofSeconds(30), "master listening", () -> Ports.listening(port));

    sendHeadOfABody(port, "POST /api/v1/connections HTTP/1.1\r\nHost: 127.0.0.1:" + port
        + "\r\nAuthorization: Bearer " + token + "\r\n");
    awaitHandlerReadingTheBody(master);

    assertStopsOnSigterm(master, Master.CALLBACK_DRAIN.plus(SignalShutdown.MARGIN));
  }

  /**
   * Sends {@code head} with {@code Content-Length: 1000} and the first byte of the body only. Jetty
   * hands a request to a handler only once some of its body has arrived, so with no byte at all no
   * thread would be stuck; with one, the handler blocks reading the other 999.
   */
  private void sendHeadOfABody(int port, String head) throws IOException {
    Socket socket = servers.start(new Socket(InetAddress.getLoopbackAddress(), port));
    OutputStream out = socket.getOutputStream();
    out.write((head + "Content-Length: 1000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** Waits until a thread dump of {@code process} shows a handler inside the body read. */
  private void awaitHandlerReadingTheBody(Process process) {
    Await.until(Duration.ofSeconds(30), "an HTTP thread of pid " + process.pid() + " in " + BODY_READ_FRAME,
        () -> threadDump(process).contains(BODY_READ_FRAME));
  }

  private void assertStopsOnSigterm(Process process, Duration limit) throws InterruptedException {
    Duration bound = limit.plus(SLACK);
    long signalledAt = System.nanoTime();
    process.destroy(); // SIGTERM
    boolean exited = process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS);
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalledAt);
    assertTrue(exited, "exited within " + bound.toMillis() + " ms of SIGTERM");
    // 143 whether the shutdown finished (the JVM's own status after SIGTERM) or was forced.
    assertEquals(SignalShutdown.FORCED_EXIT_STATUS, process.exitValue(), "exit status after " + tookMillis + " ms");
  }

  /** A "master" on loopback that accepts connections and never answers; returns its port. */
  private int startSilentMaster() throws IOException {
    ServerSocket silentMaster = servers.start(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
    Thread acceptor = new Thread(() -> {
      while (!silentMaster.isClosed()) {
        try {
          servers.start(silentMaster.accept()); // held open, never read from or answered
        } catch (IOException closed) {
          return;
        }
      }
    }, "silent-master");
    acceptor.setDaemon(true);
    acceptor.start();
    return silentMaster.getLocalPort();
  }

  private String threadDump(Process process) {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    try {
      Process dump = servers.start(new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "Thread.print")
          .redirectErrorStream(true).start());
      byte[] out = dump.getInputStream().readAllBytes();
      if (!dump.waitFor(20, TimeUnit.SECONDS)) {
        dump.destroyForcibly();
        return "";
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AssertionError("cannot run " + jcmd + " to see the server's threads", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  private Process start(String name, List<String> command) throws IOException {
    return servers.start(Ports.start(dir, name, command));
  }

  private static byte[] randomBytes(int count) {
    byte[] bytes = new byte[count];
    ThreadLocalRandom.current().nextBytes(bytes);
    return bytes;
  }
}
