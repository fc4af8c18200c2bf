package dev.taskwire.common.testing;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.http.JsonServer;
import dev.taskwire.common.protocol.CommonErrorCode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The extension itself, driven by hand: what it closes, in which order, and what a second close does. */
class ServersTest {
  @TempDir Path dir;

  @Test
  void closesWhatWasStartedInReverseOrderOnceEach() throws Exception {
    Servers servers = new Servers();
    List<String> closed = new CopyOnWriteArrayList<>();
    AutoCloseable master = () -> closed.add("master");
    servers.start(master);
    servers.after(() -> closed.add("stop"));
    servers.start(() -> closed.add("slave"));
    servers.start(master); // twice: still closed once
    servers.afterEach(null);
    assertEquals(List.of("slave", "stop", "master"), closed);
    servers.afterEach(null);
    assertEquals(3, closed.size(), "a second round closes nothing again");
  }

  @Test
  void aCloseThatThrowsDoesNotKeepTheOthersOpenAndIsRethrown() {
    Servers servers = new Servers();
    List<String> closed = new CopyOnWriteArrayList<>();
    servers.start(() -> closed.add("first"));
    IOException boom = new IOException("boom");
    servers.start(() -> {
      throw boom;
    });
    servers.start(() -> closed.add("last"));
    assertSame(boom, assertThrows(IOException.class, () -> servers.afterEach(null)));
    assertEquals(List.of("last", "first"), closed);
  }

  @Test
  void whatTheTestClosedItselfIsClosedAgainWithoutError() throws Exception {
    Servers servers = new Servers();
    MockWebServer mock = servers.start(new MockWebServer());
    mock.start(java.net.InetAddress.getLoopbackAddress(), 0);
    mock.close();
    JsonServer json = JsonServer.create("test", CommonErrorCode.COMMON_FAILURE, 1024).start(Servers.LOOPBACK, 0);
    servers.after(json::stop);
    json.stop();
    Process process = servers.start(Ports.start(dir, "sleep", List.of("sleep", "60")));
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    assertDoesNotThrow(() -> servers.afterEach(null));
  }

  @Test
  void aProcessLeftRunningIsKilled() throws Exception {
    Servers servers = new Servers();
    Process process = servers.start(Ports.start(dir, "sleep", List.of("sleep", "60")));
    servers.afterEach(null);
    assertFalse(process.isAlive());
  }

  @Test
  void aProcessWithAGracePeriodIsStoppedWithSigterm() throws Exception {
    Servers servers = new Servers();
    Process process = servers.start(Ports.start(dir, "sleep", List.of("sleep", "60")), Duration.ofSeconds(10));
    servers.afterEach(null);
    assertFalse(process.isAlive());
    assertEquals(128 + 15, process.exitValue(), "ended by SIGTERM");
  }

  @Test
  void aProcessThatIgnoresSigtermIsKilledAfterItsGracePeriodWithWhatItStarted() throws Exception {
    Servers servers = new Servers();
    // The shell ignores SIGTERM, and so does the sleep it starts (an ignored signal is inherited).
    Process process = servers.start(Ports.start(dir, "stubborn", List.of("sh", "-c", "trap '' TERM; sleep 60; sleep 60")),
        Duration.ofMillis(300));
    Await.until(Duration.ofSeconds(10), "the shell's sleep started", () -> process.descendants().findAny().isPresent());
    ProcessHandle child = process.descendants().findFirst().orElseThrow();
    long stopping = System.nanoTime();
    servers.afterEach(null);
    assertTrue(System.nanoTime() - stopping >= Duration.ofMillis(300).toNanos(), "SIGKILL only after the grace period");
    assertEquals(128 + 9, process.exitValue(), "ended by SIGKILL");
    child.onExit().get(10, TimeUnit.SECONDS);
    assertFalse(child.isAlive(), "the sleep it started is gone too");
  }
}
