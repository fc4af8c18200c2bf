package dev.taskwire.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.http.BaseUrl;
import dev.taskwire.common.http.HttpEngine;
import dev.taskwire.common.http.JsonServer;
import dev.taskwire.common.protocol.MasterErrorCode;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.security.SharedSecret;
import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.PeerClient;
import dev.taskwire.common.testing.Ports;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.common.testing.TestTls;
import dev.taskwire.master.admin.AdminApi;
import dev.taskwire.master.admin.MasterClient;
import dev.taskwire.master.scheduler.Job;
import dev.taskwire.master.scheduler.JobStatus;
import dev.taskwire.slave.Slave;
import dev.taskwire.slave.TestSlaves;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.tls.HandshakeCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * A join names the address the master connects back to, so it must not turn the master against
 * anything else: no redirect followed, nothing of the far side or a class name in the answer, the
 * same answer at the same time whatever listens there, no live connection ended by a join, slow
 * join bodies kept from the readers other requests need, and the log not filled by outsiders.
 */
@Isolated // one test swaps System.err, where slf4j-simple writes
class JoinHardeningTest {
  private static final Duration LIMIT = Duration.ofSeconds(20);
  private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(1);
  private static final SharedSecret SECRET = SharedSecret.of("the fleet's secret, 32 characters or more");
  /** What a Java exception or the JDK's TLS messages would bring into an answer. */
  private static final List<String> CLASS_NAME_MARKS = List.of("java.", "javax.", "sun.", "Exception", "PKIX");
  @RegisterExtension final Servers servers = new Servers();
  @TempDir Path dir;

  private Master openMaster() {
    return servers.start(TestMasters.loopback().channel(3).requestRetries(0).allowOpenJoin(true)
        .joinTimeout(JOIN_TIMEOUT).build().start());
  }

  private MockWebServer mock() throws IOException {
    MockWebServer server = servers.start(new MockWebServer());
    server.start(InetAddress.getLoopbackAddress(), 0);
    return server;
  }

  private static Map<String, Object> joinTo(String name, int port) {
    return Map.of("slave", Map.of("name", name, "port", port));
  }

  private static ResponseException joinFails(PeerClient client, Map<String, Object> body) {
    return client.fail("POST", "/slave/join", body, "3", null, 502, MasterErrorCode.JOIN_CONNECT_FAILED.code());
  }

  private static void assertNoEcho(ResponseException answer, String... farSideTexts) {
    String all = answer.responseMessage() + " " + answer.data();
    for (String text : farSideTexts) {
      assertFalse(all.contains(text), () -> "the far side's text came back: " + all);
    }
    for (String mark : CLASS_NAME_MARKS) {
      assertFalse(all.contains(mark), () -> "a class name came back: " + all);
    }
  }

  @Test
  void aRedirectFromAJoinsAddressIsNeverFollowedNorEchoed() throws Exception {
    Master master = openMaster();
    MockWebServer internal = mock(); // a service only the master's host can reach
    internal.enqueue(new MockResponse().setBody("INTERNAL-SECRET"));
    PeerClient client = new PeerClient(master.port(), Side.MASTER);
    for (int status : new int[] {303, 307}) {
      MockWebServer redirecting = mock();
      redirecting.enqueue(new MockResponse().setResponseCode(status)
          .setHeader("Location", "http://127.0.0.1:" + internal.getPort() + "/admin")
          .setBody("REDIRECT-BODY"));
      ResponseException answer = joinFails(client, joinTo("r" + status, redirecting.getPort()));
      assertTrue(answer.data().get("reason").toString().startsWith("not a Taskwire slave"), answer.data()::toString);
      assertNoEcho(answer, "REDIRECT-BODY", "INTERNAL-SECRET", "/admin");
      assertEquals("/connect", redirecting.takeRequest(5, TimeUnit.SECONDS).getPath());
    }
    assertEquals(0, internal.getRequestCount(), "no redirect was followed");
  }

  @Test
  void aTlsMasterNeverFollowsARedirectToPlainHttpNorEchoesAHandshakeFailure() throws Exception {
    TestTls.Ca ca = TestTls.ca(dir, "fleet");
    TestTls.Leaf masterCert = TestTls.leaf(ca, dir, "master");
    Master master = servers.start(TestMasters.loopback().channel(3).requestRetries(0).allowOpenJoin(true)
        .joinTimeout(JOIN_TIMEOUT).tls(masterCert.settings(false)).build().start());
    HttpEngine client = HttpEngine.builder(BaseUrl.of(Servers.LOOPBACK, master.port(), true), Side.MASTER).retries(0)
        .tls(masterCert.trustOnly().client()).build();

    MockWebServer plain = mock(); // where a redirect would take the token and proof, in clear
    MockWebServer tlsSlave = servers.start(new MockWebServer());
    tlsSlave.useHttps(new HandshakeCertificates.Builder().heldCertificate(TestTls.leaf(ca, dir, "slave").held())
        .build().sslSocketFactory(), false);
    tlsSlave.start(InetAddress.getLoopbackAddress(), 0);
    tlsSlave.enqueue(new MockResponse().setResponseCode(307)
        .setHeader("Location", "http://127.0.0.1:" + plain.getPort() + "/connect"));
    ResponseException redirected = assertThrows(ResponseException.class, () -> client.send("POST", "/slave/join",
        Map.of("slave", Map.of("name", "tls-r", "address", "https://127.0.0.1:" + tlsSlave.getPort())), Map.of("Channel", "3")));
    assertEquals(MasterErrorCode.JOIN_CONNECT_FAILED.code(), redirected.code());
    assertNoEcho(redirected);
    assertEquals(0, plain.getRequestCount(), "nothing went out over plain http");

    // A slave whose certificate the master does not trust: a category, not the JDK's PKIX message.
    MockWebServer stranger = servers.start(new MockWebServer());
    stranger.useHttps(new HandshakeCertificates.Builder().heldCertificate(
        TestTls.leaf(TestTls.ca(dir, "other"), dir, "stranger").held()).build().sslSocketFactory(), false);
    stranger.start(InetAddress.getLoopbackAddress(), 0);
    ResponseException untrusted = assertThrows(ResponseException.class, () -> client.send("POST", "/slave/join",
        Map.of("slave", Map.of("name", "tls-u", "address", "https://127.0.0.1:" + stranger.getPort())), Map.of("Channel", "3")));
    assertTrue(untrusted.data().get("reason").toString().startsWith("unreachable:"), untrusted.data()::toString);
    assertNoEcho(untrusted);
  }

  @Test
  void closedOpenAndSilentPortsGiveTheSameAnswerAtTheSameTime() throws Exception {
    Master master = openMaster();
    PeerClient client = new PeerClient(master.port(), Side.MASTER);
    int closed = Ports.free();
    ServerSocket banner = servers.start(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
    ServerSocket silent = servers.start(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
    // An open port whose service speaks first and is not HTTP (an SSH server, say).
    Thread speaker = new Thread(() -> {
      while (!banner.isClosed()) {
        try (Socket socket = banner.accept()) {
          socket.getOutputStream().write("SSH-2.0-OpenSSH_9.6\r\n".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
          return;
        }
      }
    }, "banner");
    speaker.setDaemon(true);
    speaker.start();
    // silent: the kernel takes the connection, nothing ever answers.
    List<String> reasons = new ArrayList<>();
    for (int port : new int[] {closed, banner.getLocalPort(), silent.getLocalPort()}) {
      long start = System.nanoTime();
      ResponseException answer = joinFails(client, joinTo("probe", port));
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertNoEcho(answer, "SSH");
      reasons.add(answer.data().get("reason").toString().replace(Integer.toString(port), "PORT"));
      assertTrue(tookMillis >= JOIN_TIMEOUT.toMillis(), "answered after " + tookMillis + " ms, before the join timeout");
      assertTrue(tookMillis < JOIN_TIMEOUT.toMillis() + 5_000, "answered after " + tookMillis + " ms");
    }
    assertEquals(1, reasons.stream().distinct().count(), reasons::toString);
    assertTrue(reasons.get(0).startsWith("unreachable:"), reasons::toString);
  }

  @Test
  void aJoinUnderALiveConnectionsNameAndAddressLeavesItAndItsJobRunning() throws Exception {
    Master master = openMaster();
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch running = new CountDownLatch(1);
    Slave slave = servers.start(TestSlaves.loopback().channel(3).name("worker").heartbeatSpan(Duration.ofMillis(200))
        .join("http://127.0.0.1:" + master.port()).processor(data -> {
          running.countDown();
          release.await();
          return Map.of("done", true);
        }).build().start());
    Await.until(LIMIT, "joined", () -> master.contains("worker"));
    SlaveConnection live = master.get("worker");
    Job job = master.scheduler().submit(Map.of("a", 1));
    assertTrue(running.await(LIMIT.toSeconds(), TimeUnit.SECONDS), "the job runs");

    // Anyone may send this to a master with open joins: the name and address of the live connection.
    ResponseException answer = joinFails(new PeerClient(master.port(), Side.MASTER), joinTo("worker", slave.port()));
    assertTrue(answer.data().get("reason").toString().startsWith("refused:"), answer.data()::toString);
    assertSame(live, master.get("worker"), "the live connection stays");
    assertEquals(SlaveConnection.State.CONNECTED, live.state());
    assertEquals(JobStatus.RUNNING, job.status());

    release.countDown();
    assertEquals(Map.of("done", true), job.join(LIMIT).result());
    assertEquals(1, job.attempts().size(), "run once, never retried");
  }

  @Test
  void slowJoinBodiesLeaveTheAdminAndTheSlavesTheirReaders() throws Exception {
    Token adminToken = Token.generate();
    Master master = servers.start(TestMasters.loopback().channel(3).requestRetries(0).secret(SECRET)
        .extension(new AdminApi(adminToken, 100)).build().start());
    Slave slave = servers.start(TestSlaves.loopback().channel(3).secret(SECRET).build().start());
    master.newConnection("s", Servers.LOOPBACK, slave.port()).connect();

    int slowBodies = 150;
    List<Socket> sockets = new ArrayList<>();
    for (int i = 0; i < slowBodies; i++) {
      Socket socket = servers.start(new Socket(InetAddress.getLoopbackAddress(), master.port()));
      sockets.add(socket);
      OutputStream out = socket.getOutputStream();
      // Headers and the first byte of a body that never comes: nothing says who sent it.
      out.write(("POST /slave/join HTTP/1.1\r\nHost: 127.0.0.1\r\nChannel: 3\r\nContent-Length: 1000\r\n\r\n{")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
    }
    // Joins have a few readers of their own; the rest are turned away at once.
    Await.until(LIMIT, "all but the joins' readers turned away", () -> answered(sockets) == slowBodies
        - JsonServer.UNTRUSTED_READERS_AT_ONCE);

    MasterClient admin = new MasterClient("http://127.0.0.1:" + master.port(), adminToken);
    String id = admin.submitJob(Map.of("a", 2, "b", 3)); // a 429 would throw here
    assertEquals("COMPLETED", admin.awaitJobFinal(id, LIMIT).status(), "the slave's report was read too");
    assertEquals(slowBodies - JsonServer.UNTRUSTED_READERS_AT_ONCE, answered(sockets),
        "meanwhile the slow joins still held their readers");
  }

  private static int answered(List<Socket> sockets) {
    int answered = 0;
    for (Socket socket : sockets) {
      try {
        if (socket.getInputStream().available() > 0) {
          answered++;
        }
      } catch (IOException e) {
        answered++; // closed by the server: answered too
      }
    }
    return answered;
  }

  @Test
  void failedJoinsFromOneSourceAreLoggedOncePerCause() throws Exception {
    Master master = openMaster();
    PeerClient client = new PeerClient(master.port(), Side.MASTER);
    int closed = Ports.free();
    int joins = JsonServer.UNTRUSTED_READERS_AT_ONCE - 2; // all read at once: none turned away with 429
    PrintStream before = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    ExecutorService joiners = Executors.newFixedThreadPool(joins);
    servers.after(joiners::shutdownNow);
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      List<Future<ResponseException>> answers = new ArrayList<>();
      for (int i = 0; i < joins; i++) {
        String name = "flood-" + i;
        answers.add(joiners.submit(() -> joinFails(client, joinTo(name, closed))));
      }
      for (Future<ResponseException> answer : answers) {
        answer.get(LIMIT.toSeconds(), TimeUnit.SECONDS);
      }
    } finally {
      System.setErr(before);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    long lines = log.lines().filter(line -> line.contains("WARN") && line.contains("Join of")).count();
    assertEquals(1, lines, log);
  }
}
