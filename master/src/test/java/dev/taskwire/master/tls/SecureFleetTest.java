package dev.taskwire.master.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.http.BaseUrl;
import dev.taskwire.common.http.HttpEngine;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.security.SharedSecret;
import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.Ports;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.common.testing.TestTls;
import dev.taskwire.master.Master;
import dev.taskwire.master.TestMasters;
import dev.taskwire.master.scheduler.Job;
import dev.taskwire.slave.Slave;
import dev.taskwire.slave.TestSlaves;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole of "Running a fleet": a slave joins a master by itself over mutual TLS with the shared
 * secret, the master connects back over https, and a job runs; a slave with a certificate from
 * another CA cannot join, though it holds the secret.
 */
class SecureFleetTest {
  private static final SharedSecret SECRET = SharedSecret.of("the fleet's secret, 32 characters or more");
  @RegisterExtension final Servers servers = new Servers();
  @TempDir Path dir;

  private Master master(TestTls.Leaf cert, int port) {
    return servers.start(TestMasters.loopback().port(port).secret(SECRET).tls(cert.settings(true)).build().start());
  }

  private Slave slave(TestTls.Leaf cert, int masterPort, String name) {
    return servers.start(TestSlaves.loopback().name(name).secret(SECRET).tls(cert.settings(true))
        .join("https://127.0.0.1:" + masterPort).joinRetryMax(Duration.ofMillis(500)).build().start());
  }

  @Test
  void aSlaveJoinsOverMutualTlsWithTheSecretAndRunsAJob() throws Exception {
    TestTls.Ca ca = TestTls.ca(dir, "fleet");
    int port = Ports.free();
    Master master = master(TestTls.leaf(ca, dir, "master"), port);
    Slave slave = slave(TestTls.leaf(ca, dir, "slave"), port, "secure-1");
    Await.until(Duration.ofSeconds(20), "joined", () -> master.contains("secure-1") && slave.isConnected());
    assertTrue(master.get("secure-1").slaveAddress().https(), "the master connected back over https");
    Job job = master.scheduler().submit(Map.of("a", 40, "b", 2)).join(Duration.ofSeconds(10));
    assertEquals(Map.of("sum", 42), job.result());
  }

  @Test
  void aSlaveWithACertificateFromAnotherCaCannotJoin() throws Exception {
    int port = Ports.free();
    Master master = master(TestTls.leaf(TestTls.ca(dir, "fleet"), dir, "master"), port);
    TestTls.Ca other = TestTls.ca(dir, "other");
    TestTls.Leaf strangerCert = TestTls.leaf(other, dir, "stranger");
    Slave stranger = slave(strangerCert, port, "stranger");
    // The handshake fails (each side distrusts the other's CA); the slave keeps trying, and is never taken.
    Await.until(Duration.ofSeconds(20), "a failed join", () -> joinProblem(stranger, strangerCert).contains("unreachable"));
    assertTrue(master.names().isEmpty());
    assertFalse(stranger.isConnected());
  }

  /** The problem the slave's {@code /health} reports of its joins, asked over https as one of its own CA. */
  private static String joinProblem(Slave slave, TestTls.Leaf cert) {
    try {
      Object join = HttpEngine.builder(BaseUrl.of(Servers.LOOPBACK, slave.port(), true), Side.SLAVE).retries(0)
          .tls(cert.settings(true).client()).build().send("GET", "/health", null, Map.of()).data().get("join");
      return join == null ? "" : String.valueOf(((Map<?, ?>) join).get("problem"));
    } catch (java.io.IOException | RuntimeException e) {
      return "";
    }
  }

  @Test
  void aTlsMasterTakesNoJoinItWouldHaveToAnswerOverPlainHttp() throws Exception {
    Master master = master(TestTls.leaf(TestTls.ca(dir, "fleet"), dir, "master"), 0);
    // Plain http to the master is no option: its port speaks https only. So the slave's join goes
    // over https, but says the slave itself serves plain http.
    dev.taskwire.common.security.ProofCheck slaveSide = new dev.taskwire.common.security.ProofCheck(SECRET);
    Map<String, Object> join = Map.of("slave", Map.of("name", "plain", "port", 1, "https", false), "proof",
        dev.taskwire.common.json.Json.convert(slaveSide.proveJoin(0, "plain", null, 1, false), Map.class));
    dev.taskwire.common.protocol.ResponseException refused = org.junit.jupiter.api.Assertions.assertThrows(
        dev.taskwire.common.protocol.ResponseException.class,
        () -> HttpEngine.builder(BaseUrl.of(Servers.LOOPBACK, master.port(), true), Side.MASTER).retries(0)
            .tls(master.config().tls().client()).build() // a certificate of the fleet's CA, as a slave's
            .send("POST", "/slave/join", join, Map.of("Channel", "0")));
    assertEquals(dev.taskwire.common.protocol.MasterErrorCode.JOIN_REFUSED.code(), refused.code());
    assertEquals("https required", refused.data().get("reason"));
    assertFalse(master.contains("plain"));
  }
}
