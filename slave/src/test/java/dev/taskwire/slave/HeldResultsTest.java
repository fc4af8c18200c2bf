package dev.taskwire.slave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.PeerClient;
import dev.taskwire.common.testing.Servers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The outbox of a real slave: its bounds ({@code --outbox-max}, {@code --outbox-max-age}) drop
 * and log results by task id, and with {@code --outbox-dir} held results outlive the slave.
 */
@Isolated // it reads the log from System.err
class HeldResultsTest {
  private static final String CHANNEL = "7";
  private static final String MASTER_ID = "master-a";
  @RegisterExtension final Servers servers = new Servers();
  private final CapturedLog log = CapturedLog.start();
  private final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
  private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
  @TempDir Path temp;

  @AfterEach
  void stopCapturing() {
    log.close();
  }

  /** A slave whose tasks wait for the gate their data names; the result echoes {@code n}. */
  private Slave.Builder slave() {
    return TestSlaves.loopback().channel(7).slots(4).heartbeatSpan(Duration.ofMillis(200))
        .retryWait(Duration.ZERO).requestRetries(0).gracePeriod(Duration.ofSeconds(2)).clock(clock)
        .processor(data -> {
          if (data.get("gate") instanceof String gate) {
            assertTrue(gate(gate).await(10, TimeUnit.SECONDS), "gate " + gate + " opened");
          }
          return Map.of("n", data.get("n"));
        });
  }

  private CountDownLatch gate(String name) {
    return gates.computeIfAbsent(name, n -> new CountDownLatch(1));
  }

  private FakeMaster master() throws IOException {
    return servers.start(new FakeMaster()).start();
  }

  private static Map<?, ?> taskwire(Envelope answer) {
    return (Map<?, ?>) answer.data().get("taskwire");
  }

  /** Connects {@code slave} to {@code master}, sends it gated tasks, and lets them end once the master is gone. */
  private static PeerClient tasksEndWhileTheMasterIsGone(Slave slave, FakeMaster master, Map<String, CountDownLatch> gates,
      String... taskIds) throws IOException {
    PeerClient client = new PeerClient(slave.port(), Side.SLAVE);
    client.send("POST", "/connect", master.adoptingConnect(MASTER_ID), CHANNEL, "token-1");
    for (String id : taskIds) {
      client.send("POST", "/task/new", Map.of("task", Map.of("id", id), "data", Map.of("n", 1, "gate", id)), CHANNEL, "token-1");
    }
    master.goDown();
    Await.until(Duration.ofSeconds(10), "the connection lost", () -> !slave.isConnected());
    for (int i = 0; i < taskIds.length; i++) {
      gates.computeIfAbsent(taskIds[i], n -> new CountDownLatch(1)).countDown();
      // One at a time, each held before the next ends, so that "oldest" means something; the last
      // one's caller waits for what it expects of it.
      int held = i + 1;
      if (held < taskIds.length) {
        Await.until(Duration.ofSeconds(10), "task " + taskIds[i] + " held", () -> slave.heldResults() == held);
      }
    }
    return client;
  }

  @Test
  void overOutboxMaxTheOldestResultIsDroppedLoggedWithItsTaskIdAndNotOffered() throws Exception {
    Slave slave = servers.start(slave().outboxMax(1).build().start());
    FakeMaster master = master();
    PeerClient client = tasksEndWhileTheMasterIsGone(slave, master, gates, "first", "second");
    String line = log.awaitLine("WARN", "result of task first ", "master id " + MASTER_ID);
    assertTrue(line.contains("the outbox holds at most 1 results (--outbox-max)"), line);
    assertEquals(1, slave.heldResults());
    master.goUp();
    Envelope answer = client.send("POST", "/connect", master.adoptingConnect(MASTER_ID), CHANNEL, "token-2");
    assertEquals(Map.of("running", List.of(), "results", List.of("second")), taskwire(answer).get("held"));
  }

  @Test
  void pastOutboxMaxAgeAResultIsDroppedLoggedWithItsTaskIdAndNotOffered() throws Exception {
    Slave slave = servers.start(slave().build().start());
    FakeMaster master = master();
    PeerClient client = tasksEndWhileTheMasterIsGone(slave, master, gates, "aged");
    Await.until(Duration.ofSeconds(10), "held", () -> slave.heldResults() == 1);
    clock.advance(Duration.ofHours(24).plusSeconds(1)); // the default --outbox-max-age is 24h
    master.goUp();
    Envelope answer = client.send("POST", "/connect", master.adoptingConnect(MASTER_ID), CHANNEL, "token-2");
    assertNull(taskwire(answer).get("held"), answer.toString());
    String line = log.awaitLine("WARN", "result of task aged ", "master id " + MASTER_ID);
    assertTrue(line.contains("held longer than 24h (--outbox-max-age)"), line);
    assertEquals(0, slave.heldResults());
  }

  @Test
  void heldResultsSurviveANewSlaveOnTheSameOutboxDirAndAreReportedThere() throws Exception {
    Path dir = temp.resolve("outbox");
    Slave first = servers.start(slave().outboxDir(dir).build().start());
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    FakeMaster master = master();
    tasksEndWhileTheMasterIsGone(first, master, gates, "kept");
    Await.until(Duration.ofSeconds(10), "held", () -> first.heldResults() == 1);
    Files.writeString(dir.resolve("bad.json"), "{not json");

    // A new slave on the same directory, while the first still runs: nothing waited for a shutdown,
    // as after kill -9.
    Slave second = servers.start(slave().outboxDir(dir).build().start());
    assertEquals(1, second.heldResults());
    assertTrue(Files.exists(dir.resolve("bad.json.corrupt")), "set aside");
    log.awaitLine("bad.json cannot be read");

    master.goUp();
    PeerClient client = new PeerClient(second.port(), Side.SLAVE);
    Envelope answer = client.send("POST", "/connect", master.adoptingConnect(MASTER_ID), CHANNEL, "token-2");
    assertEquals(Map.of("running", List.of(), "results", List.of("kept")), taskwire(answer).get("held"));
    FakeMaster.Request report;
    do {
      report = master.takeReport();
    } while (!"token-2".equals(report.token()));
    assertEquals("/slave/task/complete", report.path());
    assertEquals(Map.of("task", Map.of("id", "kept"), "result", Map.of("n", 1)), report.body());
    Await.until(Duration.ofSeconds(10), "delivered", () -> second.heldResults() == 0);
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of("bad.json.corrupt"), files.map(f -> f.getFileName().toString()).toList());
    }
  }

  @Test
  void aSlaveWhoseOutboxDirCannotBeMadeDoesNotStart() throws Exception {
    Path file = Files.writeString(temp.resolve("a-file"), "not a directory");
    Slave slave = servers.start(TestSlaves.loopback().outboxDir(file.resolve("outbox")).build());
    UncheckedIOException e = assertThrows(UncheckedIOException.class, slave::start);
    assertTrue(e.getMessage().startsWith("cannot use the outbox directory " + file.resolve("outbox")), e.getMessage());
  }
}
