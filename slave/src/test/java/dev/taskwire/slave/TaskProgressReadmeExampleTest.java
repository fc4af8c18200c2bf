package dev.taskwire.slave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.testing.Answers;
import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.DocBlocks;
import dev.taskwire.common.testing.JavaExamples;
import dev.taskwire.common.testing.PeerClient;
import dev.taskwire.common.testing.Ports;
import dev.taskwire.common.testing.Servers;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Compiles the progress example of docs/slaves.md exactly as printed and runs it against a
 * MockWebServer playing a master that announced {@code progress}: the epochs' updates arrive in
 * order, then the task's result.
 */
class TaskProgressReadmeExampleTest {
  @RegisterExtension final Servers servers = new Servers();
  private final MockWebServer master = servers.start(new MockWebServer());
  private final List<Map<String, Object>> progress = new CopyOnWriteArrayList<>();
  private final List<Map<String, Object>> reports = new CopyOnWriteArrayList<>();

  @Test
  void theTrainingSlaveReportsEachEpochInOrderThenItsResult() throws Exception {
    Class<?> example = JavaExamples.compile(DocBlocks.javaClass("docs/slaves.md", "TrainingSlave"));
    master.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        Map<String, Object> body = Json.parseObject(request.getBody().readUtf8());
        if (request.getPath().equals("/slave/task/progress")) {
          progress.add(body);
        } else if (request.getPath().equals("/slave/task/complete")) {
          reports.add(body);
        }
        return Answers.success("Received!");
      }
    });
    master.start(InetAddress.getLoopbackAddress(), 0);
    int port = Ports.free();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread running = new Thread(() -> {
      try {
        JavaExamples.runMain(example, String.valueOf(port));
      } catch (InterruptedException stopped) {
        // how the test ends it
      } catch (Throwable e) {
        failed.set(e);
      }
    }, "doc-example-slave");
    servers.after(() -> {
      running.interrupt(); // join() throws, and try-with-resources closes the slave
      running.join(20_000);
      assertFalse(running.isAlive(), "the example ended once interrupted");
    });
    running.start();
    Await.until(Duration.ofSeconds(30), "the example's slave listening", () -> Ports.listening(port) || failed.get() != null);
    assertEquals(null, failed.get());

    PeerClient client = new PeerClient(port, Side.SLAVE);
    client.send("POST", "/connect", Map.of("master", Map.of("address", "http://127.0.0.1:" + master.getPort(),
        "taskwire", Map.of("version", "1.0", "extensions", List.of("progress"))), "data", Map.of()), "0", "t");
    client.send("POST", "/task/new", Map.of("task", Map.of("id", "train-1"), "data", Map.of("epochs", 3)), "0", "t");

    Await.until(Duration.ofSeconds(30), "the task's report", () -> !reports.isEmpty());
    assertEquals(Map.of("task", Map.of("id", "train-1"), "result", Map.of("epochs", 3)), reports.get(0));
    // An epoch takes 300 ms, so each update goes out; the last may give way to the report.
    assertEquals(Map.of("task", Map.of("id", "train-1"), "progress", Map.of("done", 1, "total", 3)), progress.get(0));
    assertTrue(progress.size() <= 3, progress.toString());
    for (int i = 0; i < progress.size(); i++) {
      assertEquals(Map.of("done", i + 1, "total", 3), progress.get(i).get("progress"), progress::toString);
    }
  }
}
