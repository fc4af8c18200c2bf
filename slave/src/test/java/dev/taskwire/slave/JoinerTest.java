package dev.taskwire.slave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.MasterErrorCode;
import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.Ports;
import dev.taskwire.common.testing.RawHttp;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.common.testing.TestTls;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A slave started with {@code --join} against masters it cannot join (nobody listening, a TLS
 * mismatch, a MockWebServer refusing): what {@code /health} says, and how often it is logged.
 */
class JoinerTest {
  private static final Duration LIMIT = Duration.ofSeconds(10);
  /** A JDK or library class name, as an exception's toString() or message carries it. */
  private static final Pattern CLASS_NAME = Pattern.compile("\\b(java|javax|sun|jdk|okhttp3|com\\.sun)\\.[a-z]");

  @RegisterExtension final Servers servers = new Servers();
  @TempDir Path dir;

  private Slave joining(String url) {
    return servers.start(TestSlaves.loopback().channel(3).name("joiner").join(url)
        .joinRetryMax(Duration.ofMillis(100)).build().start());
  }

  private MockWebServer master(Dispatcher answers) throws IOException {
    MockWebServer master = servers.start(new MockWebServer());
    master.setDispatcher(answers);
    master.start(InetAddress.getByName(Servers.LOOPBACK), 0);
    return master;
  }

  /** {@code join.problem} of the slave's {@code /health}, asked over HTTP; "" while there is none. */
  private static String joinProblem(Slave slave) {
    try {
      Map<String, Object> data = RawHttp.send(slave.port(), "GET", "/health", Map.of(), null).envelope().data();
      Object problem = data.get("join") instanceof Map<?, ?> join ? join.get("problem") : null;
      return problem == null ? "" : problem.toString();
    } catch (IOException e) {
      return "";
    }
  }

  private static String awaitProblem(Slave slave, String expected) {
    String[] seen = {""};
    Await.until(LIMIT, () -> "a join problem with '" + expected + "', last: " + seen[0],
        () -> (seen[0] = joinProblem(slave)).contains(expected));
    return seen[0];
  }

  @Test
  void anUnreachableMasterIsAProblemInPlainWordsWithoutClassNames() {
    String url = "http://127.0.0.1:" + Ports.free();
    String problem = awaitProblem(joining(url), "unreachable");
    assertEquals(url + ": unreachable (connection refused)", problem);
    assertFalse(CLASS_NAME.matcher(problem).find(), problem);
  }

  @Test
  void aMasterWhoseCertificateIsNotTrustedIsATlsProblemWithoutClassNames() throws Exception {
    TestTls.Leaf stranger = TestTls.leaf(TestTls.ca(dir, "other"), dir, "master");
    MockWebServer master = servers.start(new MockWebServer());
    master.useHttps(new HandshakeCertificates.Builder().heldCertificate(stranger.held()).build().sslSocketFactory(), false);
    master.start(InetAddress.getByName(Servers.LOOPBACK), 0);
    String problem = awaitProblem(joining("https://127.0.0.1:" + master.getPort()), "unreachable");
    assertEquals("https://127.0.0.1:" + master.getPort() + ": unreachable (TLS handshake failed: the master's certificate"
        + " is not trusted (give this slave --tls-ca with the CA that signed it))", problem);
    assertFalse(CLASS_NAME.matcher(problem).find(), problem);
  }

  @Test
  void aMockMasterServingHttpsJoinedOverHttpIsAProblemWithoutClassNames() throws Exception {
    MockWebServer master = servers.start(new MockWebServer());
    TestTls.Leaf cert = TestTls.leaf(TestTls.ca(dir, "fleet"), dir, "master");
    master.useHttps(new HandshakeCertificates.Builder().heldCertificate(cert.held()).build().sslSocketFactory(), false);
    master.start(InetAddress.getByName(Servers.LOOPBACK), 0);
    String problem = awaitProblem(joining("http://127.0.0.1:" + master.getPort()), "unreachable");
    assertEquals("http://127.0.0.1:" + master.getPort() + ": unreachable (the master answered in TLS: it serves https"
        + " (use https:// in --join))", problem);
    assertFalse(CLASS_NAME.matcher(problem).find(), problem);
  }

  @Test
  void aJettyServingHttpsJoinedOverHttpIsAProblemWithoutClassNames() {
    // A slave with TLS stands in for the master: the same Javalin https server, which cuts plain http off.
    TestTls.Leaf cert = TestTls.leaf(TestTls.ca(dir, "fleet"), dir, "master");
    Slave https = servers.start(TestSlaves.loopback().tls(cert.settings(false)).build().start());
    String problem = awaitProblem(joining("http://127.0.0.1:" + https.port()), "unreachable");
    assertEquals("http://127.0.0.1:" + https.port() + ": unreachable (the connection was closed before an answer:"
        + " a master that serves https cuts off plain http (use https:// in --join))", problem);
    assertFalse(CLASS_NAME.matcher(problem).find(), problem);
  }

  @Test
  void failuresThatAlternateAreLoggedOncePerCauseNotOncePerAttempt() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    String nameTaken = Json.toString(Envelope.failure(MasterErrorCode.JOIN_NAME_TAKEN, "Name taken.", Map.of()));
    // Both retried: a master restarting behind a proxy (503), then one that still holds the old connection.
    MockWebServer master = master(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return attempts.incrementAndGet() % 2 == 1 ? new MockResponse().setResponseCode(503).setBody("down")
            : new MockResponse().setResponseCode(409).setBody(nameTaken);
      }
    });
    Slave slave = joining("http://127.0.0.1:" + master.getPort());
    Await.until(LIMIT, () -> "8 join attempts, got " + attempts.get(), () -> attempts.get() >= 8);
    // Attempts are sequential: the first two, one of each cause, were handled before the third was sent.
    assertEquals(2, slave.joinProblemsLogged(), "one line for each of the two causes, in " + attempts + " attempts");
  }
}
