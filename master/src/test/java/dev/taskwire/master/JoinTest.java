package dev.taskwire.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.http.BaseUrl;
import dev.taskwire.common.http.HttpEngine;
import dev.taskwire.common.protocol.MasterErrorCode;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.security.SharedSecret;
import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.PeerClient;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.common.testing.Ports;
import dev.taskwire.master.scheduler.Job;
import dev.taskwire.slave.Slave;
import dev.taskwire.slave.TestSlaves;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Slaves that join by themselves ({@code --join}): before the master is up, after it restarts,
 * under a name another slave has, and refused without the shared secret.
 */
class JoinTest {
  private static final SharedSecret SECRET = SharedSecret.of("the fleet's secret, 32 characters or more");
  private static final Duration LIMIT = Duration.ofSeconds(20);
  /** How long a failed join waits for its answer in these tests (10 s by default). */
  private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(2);
  @RegisterExtension final Servers servers = new Servers();

  private static Master.Builder master(int port) {
    return TestMasters.loopback().port(port).channel(3).heartbeatTolerance(Duration.ofSeconds(1))
        .heartbeatCheckSpan(Duration.ofMillis(100)).requestRetries(0).joinTimeout(JOIN_TIMEOUT);
  }

  private static Slave.Builder slave(int masterPort, String name) {
    return TestSlaves.loopback().channel(3).name(name).heartbeatSpan(Duration.ofMillis(200))
        .join("http://127.0.0.1:" + masterPort).joinRetryMax(Duration.ofMillis(500));
  }

  /** The join part of the slave's {@code /health}, asked where it listens. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> joinStatus(Slave slave) throws IOException {
    HttpEngine engine = HttpEngine.builder(BaseUrl.of(slave.config().host(), slave.port(), false), Side.SLAVE).retries(0).build();
    return (Map<String, Object>) engine.send("GET", "/health", null, Map.of()).data().get("join");
  }

  private static String joinProblem(Slave slave) {
    try {
      Object problem = joinStatus(slave).get("problem");
      return problem == null ? "" : problem.toString();
    } catch (IOException e) {
      return "";
    }
  }

  @Test
  void aSlaveStartedBeforeTheMasterJoinsOnceItStartsAndTakesJobsForItsLabels() throws Exception {
    int port = Ports.free();
    Slave slave = servers.start(slave(port, "early").secret(SECRET).labels(List.of("gpu")).build().start());
    Await.until(LIMIT, "the slave finding the master unreachable", () -> joinProblem(slave).contains("unreachable"));
    assertEquals("joining", joinStatus(slave).get("state"));

    Master master = servers.start(master(port).secret(SECRET).build().start());
    Await.until(LIMIT, "slave early joined", () -> master.contains("early") && slave.isConnected());
    assertEquals("connected", joinStatus(slave).get("state"));
    assertEquals(List.of("gpu"), master.get("early").labels(), "a joined slave's labels route jobs as any other's");
    Job job = master.scheduler().submit(Map.of("a", 20, "b", 22),
        dev.taskwire.master.scheduler.JobOptions.builder().labels("gpu").build()).join(Duration.ofSeconds(10));
    assertEquals(Map.of("sum", 42), job.result());
    assertEquals("early", job.attempts().get(0).connection());
  }

  @Test
  void joinedSlavesAreBackAfterTheMasterRestartsWithoutAnyCommand() throws Exception {
    int port = Ports.free();
    Master first = servers.start(master(port).secret(SECRET).build().start());
    List<Slave> slaves = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      slaves.add(servers.start(slave(port, "worker-" + i).secret(SECRET).build().start()));
    }
    Await.until(LIMIT, "three joined", () -> first.names().size() == 3);
    first.close();

    Master second = servers.start(master(port).secret(SECRET).build().start());
    // Within the heartbeat tolerance (1 s) + 5 s, as the README promises.
    Await.until(Duration.ofSeconds(6), () -> "all back; live: " + second.names(), () -> second.names().size() == 3);
    assertTrue(slaves.stream().allMatch(Slave::isConnected));
  }

  @Test
  void aSecondSlaveWithTheSameNameFromAnotherAddressWaitsUntilTheFirstIsGone() throws Exception {
    int port = Ports.free();
    Master master = servers.start(master(port).allowOpenJoin(true).build().start());
    Slave first = servers.start(slave(port, "twin").build().start());
    Await.until(LIMIT, "the first twin joined", () -> master.contains("twin"));
    String firstAddress = master.get("twin").slaveAddress().toString();

    int secondPort = Ports.free();
    Slave second = servers.start(slave(port, "twin").host("127.0.0.2").port(secondPort)
        .advertise("http://127.0.0.2:" + secondPort).build().start());
    Await.until(LIMIT, "the second twin refused", () -> joinProblem(second).contains("JOIN_NAME_TAKEN"));
    assertEquals(firstAddress, master.get("twin").slaveAddress().toString());
    assertFalse(second.isConnected());

    first.close(); // its heartbeats stop: the master drops it after its tolerance, and the name is free
    Await.until(LIMIT, "the second twin joined", () -> second.isConnected()
        && master.contains("twin") && master.get("twin").slaveAddress().toString().equals("http://127.0.0.2:" + secondPort));
  }

  @Test
  void theSameSlaveJoiningAgainReplacesItsStaleConnection() throws Exception {
    int port = Ports.free();
    // A long tolerance: the master would not notice the slave's restart by itself for a minute.
    Master master = servers.start(TestMasters.loopback().port(port).channel(3).heartbeatTolerance(Duration.ofMinutes(1))
        .allowOpenJoin(true).build().start());
    int slavePort = Ports.free();
    Slave before = servers.start(slave(port, "phoenix").port(slavePort).build().start());
    Await.until(LIMIT, "joined", () -> master.contains("phoenix"));
    SlaveConnection old = master.get("phoenix");
    before.close();

    Slave after = servers.start(slave(port, "phoenix").port(slavePort).build().start());
    Await.until(LIMIT, "joined again", () -> after.isConnected() && master.contains("phoenix") && master.get("phoenix") != old);
    assertNotSame(old, master.get("phoenix"));
    assertEquals(SlaveConnection.State.CLOSED, old.state());
  }

  @Test
  void joinsAreRefusedWithoutTheSecretAndTheSlaveSaysWhy() throws Exception {
    int port = Ports.free();
    Master master = servers.start(master(port).secret(SECRET).build().start());
    Slave none = servers.start(slave(port, "no-secret").build().start());
    Slave wrong = servers.start(slave(port, "wrong-secret").secret(SharedSecret.generate()).build().start());
    Await.until(LIMIT, "both gave up", () -> isGivenUp(none) && isGivenUp(wrong));
    assertTrue(joinProblem(none).contains("JOIN_REFUSED") && joinProblem(none).contains("proof missing"), joinProblem(none));
    assertTrue(joinProblem(wrong).contains("proof invalid"), joinProblem(wrong));
    assertTrue(master.names().isEmpty());

    int closedPort = Ports.free();
    Master closed = servers.start(master(closedPort).build().start()); // neither a secret nor --allow-open-join
    Slave refused = servers.start(slave(closedPort, "anyone").build().start());
    Await.until(LIMIT, "gave up", () -> isGivenUp(refused));
    assertTrue(joinProblem(refused).contains("JOIN_NOT_ENABLED"), joinProblem(refused));
    assertTrue(closed.names().isEmpty());
  }

  private static boolean isGivenUp(Slave slave) {
    try {
      return "gave up".equals(joinStatus(slave).get("state"));
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void badJoinRequestsGetTheirCodes() throws Exception {
    Master closed = servers.start(master(0).build().start());
    new PeerClient(closed.port(), Side.MASTER).fail("POST", "/slave/join", "not even read", "3", null, 403,
        MasterErrorCode.JOIN_NOT_ENABLED.code());

    Master open = servers.start(master(0).allowOpenJoin(true).build().start());
    PeerClient client = new PeerClient(open.port(), Side.MASTER);
    client.fail("POST", "/slave/join", Map.of(), "4", null, 403, MasterErrorCode.CHANNEL_INVALID.code());
    for (Object body : List.of(Map.of(), Map.of("slave", "x"), Map.of("slave", Map.of("name", "a b", "port", 1)),
        Map.of("slave", Map.of("name", "ok")), Map.of("slave", Map.of("name", "ok", "port", 70_000)),
        Map.of("slave", Map.of("name", "ok", "address", "ftp://x")), Map.of("slave", Map.of("name", "ok", "port", 1, "https", "yes")))) {
      client.fail("POST", "/slave/join", body, "3", null, 400, MasterErrorCode.TASK_DATA_INVALID.code());
    }
    int nobody = Ports.free();
    ResponseException unreachable = client.fail("POST", "/slave/join", Map.of("slave", Map.of("name", "ghost", "port", nobody)),
        "3", null, 502, MasterErrorCode.JOIN_CONNECT_FAILED.code());
    assertTrue(unreachable.data().get("reason").toString().startsWith("unreachable: the master could not reach a slave at"
        + " http://127.0.0.1:" + nobody), unreachable.data().toString());
    assertFalse(open.contains("ghost"));
  }

  @Test
  void aBurstOfJoinsConnectingBackIsBoundedAndTheRestAreAnswered429() throws Exception {
    // Time enough for every join to arrive and the one too many to be refused; the slow slave sends
    // no heartbeats, so its connections must outlive the whole burst, however slow the machine.
    Master master = servers.start(master(0).allowOpenJoin(true).joinTimeout(LIMIT).heartbeatTolerance(Duration.ofMinutes(1))
        .build().start());
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicInteger connectsArrived = new java.util.concurrent.atomic.AtomicInteger();
    okhttp3.mockwebserver.MockWebServer slowSlave = servers.start(new okhttp3.mockwebserver.MockWebServer());
    slowSlave.setDispatcher(new okhttp3.mockwebserver.Dispatcher() {
      @Override
      public okhttp3.mockwebserver.MockResponse dispatch(okhttp3.mockwebserver.RecordedRequest request) throws InterruptedException {
        connectsArrived.incrementAndGet();
        release.await(); // a slave that takes its time to answer /connect
        return new okhttp3.mockwebserver.MockResponse().setBody("{\"success\":true,\"code\":0,\"message\":\"Connect success.\","
            + "\"data\":{\"taskwire\":{\"version\":\"1.0\",\"slots\":1,\"extensions\":[]}}}");
      }
    });
    slowSlave.start(java.net.InetAddress.getLoopbackAddress(), 0);
    java.util.concurrent.ExecutorService joiners = java.util.concurrent.Executors.newFixedThreadPool(Joins.MAX_CONCURRENT_JOINS);
    servers.after(() -> {
      release.countDown();
      joiners.shutdownNow();
    });
    PeerClient client = new PeerClient(master.port(), Side.MASTER);
    List<java.util.concurrent.Future<?>> joins = new ArrayList<>();
    for (int i = 0; i < Joins.MAX_CONCURRENT_JOINS; i++) {
      Map<String, Object> body = Map.of("slave", Map.of("name", "slow-" + i, "port", slowSlave.getPort()));
      joins.add(joiners.submit(() -> client.send("POST", "/slave/join", body, "3", null)));
    }
    Await.until(LIMIT, "every join connecting back", () -> connectsArrived.get() == Joins.MAX_CONCURRENT_JOINS);
    client.fail("POST", "/slave/join", Map.of("slave", Map.of("name", "one-too-many", "port", slowSlave.getPort())),
        "3", null, 429, 429);
    release.countDown();
    for (java.util.concurrent.Future<?> join : joins) {
      join.get(30, java.util.concurrent.TimeUnit.SECONDS);
    }
    assertEquals(Joins.MAX_CONCURRENT_JOINS, master.names().size());
  }

  @Test
  void aCapturedJoinGetsNoOneWithoutTheSecretIntoTheFleet() throws Exception {
    // What an observer could capture: a genuine join, proven with the secret, for a slave at its own port.
    okhttp3.mockwebserver.MockWebServer impostor = servers.start(new okhttp3.mockwebserver.MockWebServer());
    impostor.setDispatcher(new okhttp3.mockwebserver.Dispatcher() {
      @Override
      public okhttp3.mockwebserver.MockResponse dispatch(okhttp3.mockwebserver.RecordedRequest request) {
        // It answers /connect as a slave would, but cannot prove the secret in its answer.
        return new okhttp3.mockwebserver.MockResponse().setBody("{\"success\":true,\"code\":0,\"message\":\"Connect success.\","
            + "\"data\":{\"taskwire\":{\"version\":\"1.0\",\"slots\":1,\"extensions\":[]}}}");
      }
    });
    impostor.start(java.net.InetAddress.getLoopbackAddress(), 0);
    dev.taskwire.common.security.ProofCheck slaveSide = new dev.taskwire.common.security.ProofCheck(SECRET);
    dev.taskwire.common.protocol.Messages.Proof capturedProof = slaveSide.proveJoin(3, "victim", null, impostor.getPort(), false);
    Map<String, Object> captured = Map.of("slave", Map.of("name", "victim", "port", impostor.getPort(), "https", false),
        "proof", dev.taskwire.common.json.Json.convert(capturedProof, Map.class));
    // The master must start at a later millisecond than the proof was made, as any restart does.
    Await.until(Duration.ofSeconds(1), "the clock past the proof", () -> System.currentTimeMillis() > capturedProof.timestamp());

    // Replayed to a master started after it was made (a restart, say): refused outright.
    Master restarted = servers.start(master(0).secret(SECRET).build().start());
    PeerClient client = new PeerClient(restarted.port(), Side.MASTER);
    ResponseException stale = client.fail("POST", "/slave/join", captured, "3", null, 403, MasterErrorCode.JOIN_REFUSED.code());
    assertEquals("proof expired", stale.data().get("reason"));

    // Fresh and valid, to a master that never saw it: the master connects to the impostor, whose
    // answer proves nothing, and no connection is made.
    Map<String, Object> fresh = Map.of("slave", Map.of("name", "victim", "port", impostor.getPort(), "https", false),
        "proof", dev.taskwire.common.json.Json.convert(slaveSide.proveJoin(3, "victim", null, impostor.getPort(), false), Map.class));
    ResponseException unproven = client.fail("POST", "/slave/join", fresh, "3", null, 502, MasterErrorCode.JOIN_CONNECT_FAILED.code());
    assertTrue(unproven.data().get("reason").toString().contains("did not prove the shared secret"), unproven.data().toString());
    assertFalse(restarted.contains("victim"));
    assertEquals(1, impostor.getRequestCount() - countDisconnects(impostor), "one /connect, sent once");
  }

  /** The impostor may also get the master's best-effort /disconnect; counts how many of its requests were that. */
  private static int countDisconnects(okhttp3.mockwebserver.MockWebServer server) throws InterruptedException {
    int disconnects = 0;
    for (int i = server.getRequestCount(); i > 0; i--) {
      okhttp3.mockwebserver.RecordedRequest request = server.takeRequest(5, java.util.concurrent.TimeUnit.SECONDS);
      if (request != null && request.getPath().equals("/disconnect")) {
        disconnects++;
      }
    }
    return disconnects;
  }
}
