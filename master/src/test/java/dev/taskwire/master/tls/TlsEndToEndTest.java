package dev.taskwire.master.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.http.BaseUrl;
import dev.taskwire.common.http.HttpEngine;
import dev.taskwire.common.protocol.Headers;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.common.testing.TestTls;
import dev.taskwire.common.tls.TlsSettings;
import dev.taskwire.master.Master;
import dev.taskwire.master.SlaveConnection;
import dev.taskwire.master.Task;
import dev.taskwire.master.TaskStatus;
import dev.taskwire.master.TestMasters;
import dev.taskwire.master.admin.AdminApi;
import dev.taskwire.master.admin.AdminMessages.ConnectionView;
import dev.taskwire.master.admin.AdminMessages.TaskView;
import dev.taskwire.master.admin.MasterClient;
import dev.taskwire.slave.Slave;
import dev.taskwire.slave.TestSlaves;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A master and a slave that both serve https only, with certificates made for the test. */
class TlsEndToEndTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  @RegisterExtension final Servers servers = new Servers();
  @TempDir Path dir;
  private final Token adminToken = Token.generate();
  private TestTls.Ca ca;
  private TestTls.Leaf masterCert;
  private TestTls.Leaf slaveCert;

  @BeforeEach
  void certificates() {
    ca = TestTls.ca(dir, "a");
    masterCert = TestTls.leaf(ca, dir, "master");
    slaveCert = TestTls.leaf(ca, dir, "slave");
  }

  private Master master(TlsSettings tls) {
    return servers.start(TestMasters.loopback().channel(7).tls(tls)
        .heartbeatTolerance(Duration.ofSeconds(2)).heartbeatCheckSpan(Duration.ofMillis(100))
        .requestRetries(0).extension(new AdminApi(adminToken, 100)).build().start());
  }

  private Slave slave(TlsSettings tls) {
    return servers.start(TestSlaves.loopback().channel(7).tls(tls).heartbeatSpan(Duration.ofMillis(200))
        .requestRetries(0).gracePeriod(Duration.ofMillis(100)).build().start());
  }

  private static HttpEngine engine(int port, boolean https, TlsSettings tls) {
    HttpEngine.Builder engine = HttpEngine.builder(BaseUrl.of(Servers.LOOPBACK, port, https), Side.MASTER).retries(0);
    return (tls == null ? engine : engine.tls(tls.client())).build();
  }

  @Test
  void taskRoundTripAndHeartbeatsOverHttpsBothWays() throws Exception {
    Master master = master(masterCert.settings(false));
    Slave slave = slave(slaveCert.settings(false));
    assertTrue(master.myAddress().startsWith("https://127.0.0.1:"), master.myAddress());
    assertEquals("PONG!", master.ping());
    assertEquals("PONG!", slave.ping());

    SlaveConnection conn = master.newConnection("s1", "127.0.0.1", slave.port()); // https: the master has TLS
    assertEquals("https://127.0.0.1:" + slave.port(), conn.slaveAddress().toString());
    conn.connect();
    assertTrue(slave.isConnected());
    // The slave's report reaches the master's https callback.
    Task task = conn.newTask(Map.of("a", 2, "b", 3)).start().join(WAIT);
    assertEquals(TaskStatus.COMPLETED, task.status(), String.valueOf(task.failure()));
    assertEquals(Map.of("sum", 5), task.result());

    // Heartbeats every 200 ms over https keep the connection past its 2 s tolerance: count the
    // arrivals (the age dropping back) until 3 s worth have come, the connection live throughout.
    AtomicLong lastAge = new AtomicLong(Long.MAX_VALUE);
    AtomicInteger arrivals = new AtomicInteger();
    Await.until(Duration.ofSeconds(10), () -> arrivals.get() + " heartbeats", () -> {
      assertTrue(conn.isConnected(), "the connection was dropped after " + arrivals.get() + " heartbeats");
      long age = conn.lastHeartbeatAge().toMillis();
      assertTrue(age < 1_000, "no heartbeat for " + age + " ms");
      if (age < lastAge.getAndSet(age)) {
        arrivals.incrementAndGet();
      }
      return arrivals.get() >= 15;
    });
    assertTrue(master.contains("s1"));
  }

  @Test
  void adminApiOverHttpsThroughMasterClientTrustingTheCa() throws Exception {
    Master master = master(masterCert.settings(false));
    Slave slave = slave(slaveCert.settings(false));
    MasterClient client = new MasterClient("https://127.0.0.1:" + master.port(), adminToken, masterCert.trustOnly().client());
    // https left out: follows the master, which serves https.
    ConnectionView view = client.connect("s1", "127.0.0.1", slave.port(), null, Map.of()).connection();
    assertEquals("https://127.0.0.1:" + slave.port(), view.slave());
    String id = client.submit("s1", Map.of("a", 20, "b", 22));
    TaskView done = client.awaitFinal(id, WAIT);
    assertEquals("COMPLETED", done.status());
    assertEquals(Map.of("sum", 42), done.result());
    assertEquals(List.of("s1"), client.connections().stream().map(ConnectionView::name).toList());

    MasterClient untrusting = new MasterClient("https://127.0.0.1:" + master.port(), adminToken);
    assertThrows(SSLHandshakeException.class, untrusting::connections);
  }

  @Test
  void anExplicitHttpsFalseIsHonouredByATlsMaster() throws Exception {
    Master master = master(masterCert.settings(false));
    Slave plain = servers.start(TestSlaves.loopback().channel(7).build().start());
    MasterClient client = new MasterClient("https://127.0.0.1:" + master.port(), adminToken, masterCert.trustOnly().client());
    ConnectionView view = client.connect("plain", "127.0.0.1", plain.port(), false, Map.of()).connection();
    assertEquals("http://127.0.0.1:" + plain.port(), view.slave());
  }

  @Test
  void plainHttpToTheMastersAndTheSlavesTlsPortIsRefused() {
    Master master = master(masterCert.settings(false));
    Slave slave = slave(slaveCert.settings(false));
    for (int port : new int[] {master.port(), slave.port()}) {
      assertThrows(IOException.class, () -> engine(port, false, null).send("GET", "/health", null, Map.of()),
          "plain http to port " + port);
    }
  }

  @Test
  void aPkcs12MasterDrivesAPemSlave() throws Exception {
    Path keystore = TestTls.pkcs12(masterCert, dir, "master", "changeit");
    Master master = master(TlsSettings.builder().pkcs12Identity(keystore, dir.resolve("master.password"))
        .trustedCa(ca.file()).build());
    Slave slave = slave(slaveCert.settings(false));
    SlaveConnection conn = master.newConnection("s1", "127.0.0.1", slave.port());
    conn.connect();
    assertEquals(Map.of("sum", 3), conn.newTask(Map.of("a", 1, "b", 2)).start().join(WAIT).result());
  }

  @Test
  void anAdminConnectToASlaveWithAnUntrustedCertificateSaysSoInPlainWords() throws Exception {
    Master master = master(masterCert.settings(false));
    TestTls.Leaf stranger = TestTls.leaf(TestTls.ca(dir, "b"), dir, "stranger");
    Slave slave = slave(stranger.settings(false));
    MasterClient client = new MasterClient("https://127.0.0.1:" + master.port(), adminToken, masterCert.trustOnly().client());
    ResponseException refused = assertThrows(ResponseException.class,
        () -> client.connect("s1", "127.0.0.1", slave.port(), true, Map.of()));
    assertEquals(502, refused.httpStatus());
    String message = refused.responseMessage();
    assertTrue(message.contains("TLS handshake failed (the peer's certificate is not trusted)"), message);
    for (String mark : List.of("java.", "javax.", "sun.", "Exception", "PKIX")) {
      assertFalse(message.contains(mark), message);
    }
  }

  @Test
  void aMutualSlaveRefusesAMasterWithACertificateFromAnotherCa() throws Exception {
    Slave slave = slave(slaveCert.settings(true));
    TestTls.Ca otherCa = TestTls.ca(dir, "b");
    TestTls.Leaf stranger = TestTls.leaf(otherCa, dir, "stranger");
    // The stranger trusts the slave's CA: only its own certificate, from CA b, can be refused.
    Master strangerMaster = master(TlsSettings.builder().pemIdentity(stranger.certificateFile(), stranger.keyFile())
        .trustedCa(ca.file()).build());
    SlaveConnection refused = strangerMaster.newConnection("s1", "127.0.0.1", slave.port());
    assertThrows(IOException.class, refused::connect);
    assertFalse(slave.isConnected());

    Master trusted = master(masterCert.settings(true));
    SlaveConnection conn = trusted.newConnection("s1", "127.0.0.1", slave.port());
    conn.connect();
    assertTrue(slave.isConnected());
    // Both mutual: the slave's report carries its certificate to the master's https callback.
    assertEquals(Map.of("sum", 9), conn.newTask(Map.of("a", 4, "b", 5)).start().join(WAIT).result());
  }

  @Test
  void aMutualMasterRefusesHeartbeatsAndAdminClientsWithoutACertificate() throws Exception {
    Master master = master(masterCert.settings(true));
    // Trusts the master's CA but has no certificate to present.
    TlsSettings noCertificate = masterCert.trustOnly();
    assertThrows(IOException.class, () -> engine(master.port(), true, noCertificate)
        .send("GET", "/slave/heartbeat", null, Map.of(Headers.CHANNEL, "7", Headers.TOKEN, "x")));
    assertThrows(IOException.class, () -> engine(master.port(), true, noCertificate)
        .send("PUT", "/slave/task/complete", Map.of(), Map.of(Headers.CHANNEL, "7", Headers.TOKEN, "x")));
    MasterClient anonymous = new MasterClient("https://127.0.0.1:" + master.port(), adminToken, noCertificate.client());
    assertThrows(IOException.class, anonymous::connections);

    TestTls.Leaf admin = TestTls.leaf(ca, dir, "admin");
    MasterClient withCertificate = new MasterClient("https://127.0.0.1:" + master.port(), adminToken,
        TlsSettings.builder().pemIdentity(admin.certificateFile(), admin.keyFile()).trustedCa(ca.file()).build().client());
    assertEquals(List.of(), withCertificate.connections());
  }
}
