package dev.taskwire.slave;

import dev.taskwire.common.testing.Answers;
import dev.taskwire.common.testing.MockRequests;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.testing.PeerClient;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.common.testing.ThreadLeaks;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SlotsTest {
  @RegisterExtension final Servers servers = new Servers();

  @Test
  void threeSlotsRunThreeTasksAtOnceAndRefuseAFourth() throws Exception {
    CountDownLatch allStarted = new CountDownLatch(3);
    CountDownLatch release = new CountDownLatch(1);
    MockWebServer master = servers.start(new MockWebServer());
    for (int i = 0; i < 3; i++) {
      master.enqueue(Answers.success("Result received!"));
    }
    master.start(InetAddress.getLoopbackAddress(), 0);
    Slave slave = servers.start(TestSlaves.loopback().slots(3).heartbeatSpan(Duration.ofMinutes(10))
        .processor(data -> {
          allStarted.countDown();
          // Each task holds its slot until all three run at the same time.
          assertTrue(allStarted.await(10, TimeUnit.SECONDS));
          assertTrue(release.await(10, TimeUnit.SECONDS));
          return Map.of("id", data.get("n"));
        }).build().start());
    PeerClient client = new PeerClient(slave.port(), Side.SLAVE);
    Envelope connect = client.send("POST", "/connect",
        Map.of("master", Map.of("address", "http://127.0.0.1:" + master.getPort())), "0", "tok");
    assertEquals(3, ((Map<?, ?>) connect.data().get("taskwire")).get("slots"));
    for (int n = 1; n <= 3; n++) {
      client.send("POST", "/task/new", Map.of("task", Map.of("id", "t" + n), "data", Map.of("n", n)), "0", "tok");
    }
    assertTrue(allStarted.await(10, TimeUnit.SECONDS), "three tasks run at once");
    client.fail("POST", "/task/new", Map.of("task", Map.of("id", "t4"), "data", Map.of()), "0", "tok", 400, 601);
    release.countDown();
    Set<String> reported = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      RecordedRequest report = MockRequests.take(master);
      assertEquals("/slave/task/complete", report.getPath());
      reported.add((String) ((Map<?, ?>) Json.parseObject(report.getBody().readUtf8()).get("task")).get("id"));
    }
    assertEquals(Set.of("t1", "t2", "t3"), reported);
  }

  @Test
  void aReportRetriedOnTheReportPoolLeavesNoThreadAfterClose() throws Exception {
    MockWebServer master = servers.start(new MockWebServer());
    // A Taskwire master busy at first: the report goes to the report pool to be retried.
    master.enqueue(Answers.failure(429, 429, "busy"));
    master.enqueue(Answers.success("Result received!"));
    master.start(InetAddress.getLoopbackAddress(), 0);
    Slave slave = servers.start(TestSlaves.loopback().heartbeatSpan(Duration.ofMinutes(10)).retryWait(Duration.ZERO)
        .processor(data -> Map.of()).build().start());
    PeerClient client = new PeerClient(slave.port(), Side.SLAVE);
    client.send("POST", "/connect", Map.of("master", Map.of("address", "http://127.0.0.1:" + master.getPort(),
        "taskwire", Map.of("version", "1.0", "extensions", java.util.List.of("idempotent reports")))), "0", "tok");
    client.send("POST", "/task/new", Map.of("task", Map.of("id", "r1"), "data", Map.of()), "0", "tok");
    assertEquals("/slave/task/complete", MockRequests.take(master).getPath());
    assertEquals("/slave/task/complete", MockRequests.take(master).getPath());
    assertTrue(ThreadLeaks.alive("taskwire-slave-report").size() >= 1, "the retry ran on the report pool");
    slave.close();
    ThreadLeaks.assertNoneLeft("taskwire-slave");
  }
}
