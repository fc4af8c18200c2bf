package dev.taskwire.slave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.PeerClient;
import dev.taskwire.common.testing.Servers;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Extension "adopt", end to end over real HTTP: a MockWebServer plays a master that announces a
 * stable master id, goes away (503, or closed) past its tolerance, and connects again; the slave
 * keeps its tasks running and its results held meanwhile, lists them in its {@code /connect}
 * answer, and reports them to the new connection once.
 */
class AdoptTest {
  private static final String CHANNEL = "7";
  private static final String MASTER_ID = "master-a";
  private static final List<String> BASE_EXTENSIONS = List.of("slots", "progress", "cancel", "health", "idempotent task/new");
  @RegisterExtension final Servers servers = new Servers();

  /** Tasks whose data names a gate wait until it is opened; the result echoes {@code n}. */
  private final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
  private Slave slave;
  private PeerClient client;

  private void startSlave() {
    slave = servers.start(TestSlaves.loopback().channel(7).slots(4).heartbeatSpan(Duration.ofMillis(200))
        .retryWait(Duration.ZERO).requestRetries(0).gracePeriod(Duration.ofSeconds(2))
        .processor(data -> {
          if (data.get("gate") instanceof String gate) {
            assertTrue(gate(gate).await(10, TimeUnit.SECONDS), "gate " + gate + " opened");
          }
          return Map.of("n", data.get("n"));
        }).build().start());
    client = new PeerClient(slave.port(), Side.SLAVE);
  }

  private CountDownLatch gate(String name) {
    return gates.computeIfAbsent(name, n -> new CountDownLatch(1));
  }

  private FakeMaster startMaster() throws IOException {
    return servers.start(new FakeMaster()).start();
  }

  /** {@code /connect} from {@code master} announcing "adopt" with {@code masterId} ({@link FakeMaster#adoptingConnect}). */
  private Envelope connectAdopting(FakeMaster master, String token, String masterId) throws IOException {
    return client.send("POST", "/connect", master.adoptingConnect(masterId), CHANNEL, token);
  }

  private void sendTask(String token, String id, Map<String, Object> data) throws IOException {
    assertEquals("Task received!", client.send("POST", "/task/new", Map.of("task", Map.of("id", id), "data", data),
        CHANNEL, token).message());
  }

  private static Map<?, ?> taskwire(Envelope answer) {
    return (Map<?, ?>) answer.data().get("taskwire");
  }

  private void awaitLost() {
    Await.until(Duration.ofSeconds(10), "the connection lost", () -> !slave.isConnected());
  }

  private void awaitHeld(int count) {
    Await.until(Duration.ofSeconds(10), () -> count + " held results, not " + slave.heldResults(),
        () -> slave.heldResults() == count);
  }

  private static void assertReport(FakeMaster.Request report, String token, String taskId, int n) {
    assertEquals("PUT", report.method());
    assertEquals("/slave/task/complete", report.path());
    assertEquals(token, report.token());
    assertEquals(Map.of("task", Map.of("id", taskId), "result", Map.of("n", n)), report.body());
  }

  @Test
  void resultOfATaskEndedWhileTheMasterIsGoneIsHeldAndReportedOnceToItsNextConnection() throws Exception {
    startSlave();
    FakeMaster before = startMaster();
    connectAdopting(before, "token-1", MASTER_ID);
    sendTask("token-1", "t-1", Map.of("gate", "g1", "n", 1));
    before.close(); // the master process is gone: its heartbeats and the report are refused
    gate("g1").countDown();
    // Retried while within the master's tolerance (1 s), then held once the connection is lost.
    awaitLost();
    awaitHeld(1);

    FakeMaster after = startMaster(); // the master restarted, on another port
    Envelope answer = connectAdopting(after, "token-2", MASTER_ID);
    assertTrue(((List<?>) taskwire(answer).get("extensions")).contains("adopt"), answer.toString());
    assertEquals(Map.of("running", List.of(), "results", List.of("t-1")), taskwire(answer).get("held"));
    assertReport(after.takeReport(), "token-2", "t-1", 1);
    awaitHeld(0);

    // Connected once more under that id: nothing is held, nothing is reported again.
    client.send("DELETE", "/disconnect", Map.of("data", Map.of()), CHANNEL, "token-2");
    Envelope again = connectAdopting(after, "token-3", MASTER_ID);
    assertNull(taskwire(again).get("held"), again.toString());
    after.awaitHeartbeats("token-3", 2); // a held result would go out after the first
    assertEquals(List.of(), after.pendingReports());
  }

  @Test
  void theSameMasterConnectingAgainReplacesItsOldConnectionAtOnce() throws Exception {
    startSlave();
    FakeMaster master = startMaster();
    connectAdopting(master, "token-1", MASTER_ID);
    sendTask("token-1", "t-5", Map.of("gate", "g5", "n", 5));
    assertTrue(slave.isConnected());
    // Restarted before any heartbeat failed: the old connection still looks live, yet it is the
    // same master (same id, a new token), so it is not "already connected".
    Envelope answer = connectAdopting(master, "token-2", MASTER_ID);
    assertEquals(Map.of("running", List.of("t-5"), "results", List.of()), taskwire(answer).get("held"));
    gate("g5").countDown();
    assertReport(master.takeReport(), "token-2", "t-5", 5);
    // Another master id still finds the slave taken.
    var refused = org.junit.jupiter.api.Assertions.assertThrows(
        dev.taskwire.common.protocol.SlaveResponseException.SlaveAlreadyConnected.class,
        () -> client.send("POST", "/connect", master.adoptingConnect("master-b"), CHANNEL, "token-3"));
    assertEquals("This slave already connected.", refused.responseMessage());
  }

  @Test
  void taskStillRunningAcrossTheOutageIsListedAndReportsToTheNewConnection() throws Exception {
    startSlave();
    FakeMaster master = startMaster();
    connectAdopting(master, "token-1", MASTER_ID);
    sendTask("token-1", "t-2", Map.of("gate", "g2", "n", 2));
    master.goDown(); // 503 to the heartbeat: the connection is lost at once
    awaitLost();
    assertEquals(1, slave.runningTasks(), "the task runs on");

    Envelope answer = connectAdopting(master, "token-2", MASTER_ID);
    assertEquals(Map.of("running", List.of("t-2"), "results", List.of()), taskwire(answer).get("held"));
    // The new connection knows the task too: a resent /task/new is not a second task.
    assertEquals("Task already received.", client.send("POST", "/task/new",
        Map.of("task", Map.of("id", "t-2"), "data", Map.of()), CHANNEL, "token-2").message());
    restartAnswers(master);
    gate("g2").countDown();
    FakeMaster.Request report = takeTaskReport(master);
    assertReport(report, "token-2", "t-2", 2);
    assertEquals(0, slave.heldResults());
  }

  @Test
  void anotherMasterIdAndAReferenceMasterGetNothingHeldAndTheResultWaitsForItsOwnMaster() throws Exception {
    startSlave();
    FakeMaster master = startMaster();
    connectAdopting(master, "token-1", MASTER_ID);
    sendTask("token-1", "t-3", Map.of("n", 3, "gate", "g3"));
    master.goDown();
    awaitLost();
    gate("g3").countDown();
    awaitHeld(1);
    assertEquals(List.of(), master.pendingReports().stream().filter(r -> r.path().startsWith("/slave/task/")).toList(),
        "no report knocks at a master known to be gone");

    FakeMaster other = startMaster();
    Envelope otherAnswer = connectAdopting(other, "token-other", "master-b");
    assertTrue(((List<?>) taskwire(otherAnswer).get("extensions")).contains("adopt"));
    assertNull(taskwire(otherAnswer).get("held"), otherAnswer.toString());
    client.send("DELETE", "/disconnect", Map.of("data", Map.of()), CHANNEL, "token-other");

    Envelope reference = client.send("POST", "/connect", Map.of("master", Map.of("address", other.address()),
        "data", Map.of()), CHANNEL, "token-ref");
    assertEquals(Map.of("taskwire", Map.of("version", "1.0", "slots", 4, "extensions", BASE_EXTENSIONS)),
        reference.data(), "a reference master sees nothing of the extension");
    other.awaitHeartbeats("token-ref", 2);
    client.send("DELETE", "/disconnect", Map.of("data", Map.of()), CHANNEL, "token-ref");
    assertEquals(List.of(), other.pendingReports(), "the result is not given to another master");
    assertEquals(1, slave.heldResults());

    restartAnswers(master);
    Envelope own = connectAdopting(master, "token-2", MASTER_ID);
    assertEquals(Map.of("running", List.of(), "results", List.of("t-3")), taskwire(own).get("held"));
    assertReport(takeTaskReport(master), "token-2", "t-3", 3);
  }

  @Test
  void reportTheLiveMasterCannotTakeIsHeldAndDeliveredAfterItsNextHeartbeat() throws Exception {
    startSlave();
    FakeMaster master = startMaster();
    connectAdopting(master, "token-1", MASTER_ID);
    master.refuseReports(1);
    sendTask("token-1", "t-5", Map.of("n", 5));
    FakeMaster.Request refused = master.takeReport();
    assertEquals("/slave/task/complete", refused.path());
    // Held, not lost; the connection stays (its heartbeats are answered), and so does the result
    // until the master took it: tried again once a heartbeat is answered, not in a tighter loop.
    assertReport(master.takeReport(), "token-1", "t-5", 5);
    awaitHeld(0);
    assertTrue(slave.isConnected());
    master.awaitHeartbeats("token-1", 3);
    assertEquals(List.of(), master.pendingReports(), "delivered once");
  }

  @Test
  void taskwireMasterWithoutAdoptGetsTodaysBehaviourNothingIsHeld() throws Exception {
    startSlave();
    FakeMaster master = startMaster();
    Envelope answer = client.send("POST", "/connect", Map.of("master", Map.of("address", master.address(),
        "taskwire", Map.of("version", "1.0", "extensions", List.of("idempotent reports"), "masterId", MASTER_ID)),
        "data", Map.of()), CHANNEL, "token-1");
    assertEquals(BASE_EXTENSIONS, taskwire(answer).get("extensions"), "masterId without \"adopt\" is ignored");
    sendTask("token-1", "t-4", Map.of("n", 4, "gate", "g4"));
    master.goDown();
    awaitLost();
    gate("g4").countDown();
    Await.until(Duration.ofSeconds(10), "task ended", () -> slave.runningTasks() == 0);
    assertEquals(0, slave.heldResults(), "dropped and logged, as always");
    Envelope again = connectAdopting(master, "token-2", MASTER_ID);
    assertNull(taskwire(again).get("held"), again.toString());
  }

  /** The master is back: it answers success again (its port kept, as a restart behind a proxy). */
  private static void restartAnswers(FakeMaster master) {
    master.goUp();
  }

  /** The next report of a task that {@code master} received, past any earlier refused attempts. */
  private static FakeMaster.Request takeTaskReport(FakeMaster master) throws InterruptedException {
    while (true) {
      FakeMaster.Request request = master.takeReport();
      if (request.path().startsWith("/slave/task/") && request.token() != null && !request.token().equals("token-1")) {
        return request;
      }
    }
  }
}
