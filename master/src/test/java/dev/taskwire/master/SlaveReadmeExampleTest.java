package dev.taskwire.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.protocol.SlaveResponseException;
import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.DocBlocks;
import dev.taskwire.common.testing.JavaExamples;
import dev.taskwire.common.testing.Ports;
import dev.taskwire.common.testing.Servers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Compiles the embedded-slave example of docs/slaves.md exactly as printed and runs it against a
 * real master: a task is echoed, one carrying gpu is refused by its hook, and interrupting the
 * thread that runs it closes the slave.
 */
class SlaveReadmeExampleTest {
  @RegisterExtension final Servers servers = new Servers();

  @Test
  void theEchoSlaveEchoesATaskAndRefusesOneAskingForAGpu() throws Exception {
    Class<?> example = JavaExamples.compile(DocBlocks.javaClass("docs/slaves.md", "EchoSlave"));
    int port = Ports.free();
    AtomicReference<List<String>> printed = new AtomicReference<>();
    AtomicReference<Throwable> ended = new AtomicReference<>();
    Thread running = new Thread(() -> {
      try {
        printed.set(JavaExamples.runMain(example, String.valueOf(port)));
      } catch (Throwable e) {
        ended.set(e); // InterruptedException from join(): try-with-resources closed the slave
      }
    }, "doc-example-slave");
    servers.after(() -> {
      running.interrupt(); // whatever failed, the example's slave stops
      running.join(20_000);
    });
    running.start();
    Master master = servers.start(TestMasters.loopback().build().start());
    Await.until(Duration.ofSeconds(30), "the example's slave listening", () -> Ports.listening(port));
    SlaveConnection connection = master.newConnection("echo", Servers.LOOPBACK, port);
    connection.connect();
    assertEquals(4, connection.slots());
    Task echoed = connection.newTask(Map.of("a", 1)).start().join(Duration.ofSeconds(10));
    assertEquals(Map.of("echo", Map.of("a", 1)), echoed.result());
    SlaveResponseException.TaskRefused refused = assertThrows(SlaveResponseException.TaskRefused.class,
        () -> connection.newTask(Map.of("gpu", true)).start());
    assertEquals(Map.of("reason", "no gpu here"), refused.data());
    running.interrupt();
    running.join(20_000);
    assertFalse(running.isAlive(), "the example ended once interrupted");
    assertTrue(ended.get() instanceof InterruptedException, String.valueOf(ended.get()));
    assertFalse(Ports.listening(port), "the slave closed");
  }
}
