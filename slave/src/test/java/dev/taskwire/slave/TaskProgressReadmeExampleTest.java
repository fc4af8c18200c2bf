package dev.taskwire.slave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.PeerClient;
import dev.taskwire.common.testing.ReadmeBlocks;
import dev.taskwire.common.testing.Servers;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Runs the README's progress example against a MockWebServer playing a master that announced
 * {@code progress}, and checks that the README shows it exactly.
 */
class TaskProgressReadmeExampleTest {
  private final MockWebServer master = new MockWebServer();
  private final List<Map<String, Object>> progress = new CopyOnWriteArrayList<>();
  private final List<Map<String, Object>> reports = new CopyOnWriteArrayList<>();
  private final AtomicInteger epochsRun = new AtomicInteger();
  private Slave slave;

  @AfterEach
  void stop() throws Exception {
    if (slave != null) {
      slave.close();
    }
    master.shutdown();
  }

  /** The README's example; the port is a parameter so that it runs on a free port here. */
  Slave.Builder example(int port) {
    // README-BEGIN
    Slave.Builder builder = Slave.builder().port(port).channel(42)
        .processor((task, data) -> {
          int epochs = ((Number) data.get("epochs")).intValue();
          for (int epoch = 1; epoch <= epochs; epoch++) {
            trainOneEpoch(data);
            task.progress(Map.of("done", epoch, "total", epochs));
          }
          return Map.of("epochs", epochs);
        });
    // README-END
    return builder;
  }

  /** Each epoch waits until the master has the update of the one before, so none is coalesced away. */
  private void trainOneEpoch(Map<String, Object> data) {
    int before = epochsRun.getAndIncrement();
    Await.until(Duration.ofSeconds(10), "master received epoch " + before, () -> progress.size() >= before);
  }

  @Test
  void readmeProgressExampleReportsEachEpochToAMasterThatTakesProgress() throws Exception {
    master.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        Map<String, Object> body = Json.parseObject(request.getBody().readUtf8());
        if (request.getPath().equals("/slave/task/progress")) {
          progress.add(body);
        } else if (request.getPath().equals("/slave/task/complete")) {
          reports.add(body);
        }
        return new MockResponse().setBody(Json.toString(Envelope.success("Received!", null)));
      }
    });
    master.start(InetAddress.getLoopbackAddress(), 0);
    slave = example(0).host(Servers.LOOPBACK).heartbeatSpan(Duration.ofMinutes(10)).build().start();
    PeerClient client = new PeerClient(slave.port(), Side.SLAVE);
    client.send("POST", "/connect", Map.of("master", Map.of("address", "http://127.0.0.1:" + master.getPort(),
        "taskwire", Map.of("version", "1.0", "extensions", List.of("progress"))), "data", Map.of()), "42", "t");
    client.send("POST", "/task/new", Map.of("task", Map.of("id", "train-1"), "data", Map.of("epochs", 3)), "42", "t");

    Await.until(Duration.ofSeconds(10), "the task's report", () -> !reports.isEmpty());
    assertEquals(Map.of("task", Map.of("id", "train-1"), "result", Map.of("epochs", 3)), reports.get(0));
    // The last update may be dropped: the task's report goes at once and supersedes it.
    assertEquals(Map.of("task", Map.of("id", "train-1"), "progress", Map.of("done", 1, "total", 3)), progress.get(0));
    assertEquals(Map.of("task", Map.of("id", "train-1"), "progress", Map.of("done", 2, "total", 3)), progress.get(1));
    assertTrue(progress.size() <= 3, progress.toString());
  }

  @Test
  void readmeShowsTheProgressExample() throws Exception {
    ReadmeBlocks.assertReadmeShows(Path.of("src/test/java/dev/taskwire/slave/TaskProgressReadmeExampleTest.java"), Path.of("../README.md"));
  }
}
