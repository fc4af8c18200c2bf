package dev.taskwire.master;

import dev.taskwire.common.testing.ReadmeBlocks;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.protocol.SlaveResponseException;
import dev.taskwire.common.testing.Await;
import dev.taskwire.slave.Slave;
import dev.taskwire.slave.SlaveHooks;
import dev.taskwire.slave.TaskRefused;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Runs the README's embedded-slave example against a real master, and checks that the README shows
 * the example exactly as it is written here, so the two cannot drift apart.
 */
class SlaveReadmeExampleTest {
  /** The README's example; the port is a parameter so that it runs on a free port here. */
  static void example(int port) throws Exception {
    // README-BEGIN
    try (Slave slave = Slave.builder().port(port).channel(42).slots(4)
            .processor(data -> Map.of("echo", data))
            .hooks(new SlaveHooks() {
              @Override public void beforeTask(Map<String, Object> data) {
                if (data.containsKey("gpu")) throw new TaskRefused(Map.of("reason", "no gpu here"));
              }
            })
            .build().start()) {
      slave.join();
    }
    // README-END
  }

  @Test
  void exampleEchoesATaskAndRefusesOneAskingForAGpu() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    AtomicReference<Throwable> ended = new AtomicReference<>();
    Thread running = new Thread(() -> {
      try {
        example(port);
      } catch (InterruptedException stopped) {
        ended.set(stopped); // join() interrupted: try-with-resources closed the slave
      } catch (Throwable e) {
        ended.set(e);
      }
    }, "readme-slave");
    running.start();
    try (Master master = TestMasters.loopback().channel(42).build().start()) {
      Await.until(Duration.ofSeconds(10), "the example's slave listening", () -> listening(port));
      SlaveConnection connection = master.newConnection("readme", "127.0.0.1", port);
      connection.connect();
      assertEquals(4, connection.slots());
      Task echoed = connection.newTask(Map.of("a", 1)).start().join(Duration.ofSeconds(10));
      assertEquals(Map.of("echo", Map.of("a", 1)), echoed.result());
      SlaveResponseException.TaskRefused refused = assertThrows(SlaveResponseException.TaskRefused.class,
          () -> connection.newTask(Map.of("gpu", true)).start());
      assertEquals(Map.of("reason", "no gpu here"), refused.data());
    } finally {
      running.interrupt();
      running.join(20_000);
    }
    assertFalse(running.isAlive(), "the example ended once interrupted");
    assertTrue(ended.get() instanceof InterruptedException, String.valueOf(ended.get()));
  }

  @Test
  void readmeShowsTheExampleAsWrittenHere() throws Exception {
    ReadmeBlocks.assertReadmeShows(Path.of("src/test/java/dev/taskwire/master/SlaveReadmeExampleTest.java"), Path.of("../README.md"));
  }

  private static boolean listening(int port) {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
