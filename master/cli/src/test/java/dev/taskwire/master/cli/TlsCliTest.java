package dev.taskwire.master.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.common.testing.TestTls;
import dev.taskwire.master.Master;
import dev.taskwire.master.TestMasters;
import dev.taskwire.master.admin.AdminApi;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The client commands toward an https master (with and without mutual TLS), and serve's TLS flags. */
class TlsCliTest {
  @RegisterExtension final Servers servers = new Servers();
  @TempDir Path dir;
  private final Token token = Token.generate();
  private TestTls.Leaf masterCert;
  private Path tokenFile;
  private StringWriter out;
  private StringWriter err;

  @BeforeEach
  void setUp() throws Exception {
    masterCert = TestTls.leaf(TestTls.ca(dir, "a"), dir, "master");
    tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, token.value() + "\n");
    Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
  }

  private Master master(boolean mutual) {
    return servers.start(TestMasters.loopback().tls(masterCert.settings(mutual)).extension(new AdminApi(token, 10)).build().start());
  }

  private int run(String... args) {
    out = new StringWriter();
    err = new StringWriter();
    Map<String, String> env = new HashMap<>();
    env.put("TASKWIRE_TOKEN_FILE", tokenFile.toString());
    return Main.run(args, env, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  @Test
  void connectionsWithTheCaWorksAndWithoutItSaysTheCertificateIsNotTrusted() {
    String url = "https://127.0.0.1:" + master(false).port();
    assertEquals(0, run("connections", "--master", url, "--tls-ca", masterCert.ca().file().toString()), err::toString);
    assertTrue(out.toString().startsWith("NAME"), out::toString);

    assertEquals(3, run("connections", "--master", url));
    String message = err.toString();
    assertEquals(1, message.lines().count(), message);
    assertTrue(message.startsWith("taskwire-master connections: TLS handshake with the master failed: its certificate is not"
        + " trusted (pass --tls-ca FILE with the CA that signed it)"), message);
  }

  @Test
  void aMutualMasterNeedsTheClientCertificate() {
    String url = "https://127.0.0.1:" + master(true).port();
    String ca = masterCert.ca().file().toString();
    assertEquals(3, run("connections", "--master", url, "--tls-ca", ca));
    assertEquals(1, err.toString().lines().count(), err::toString);
    assertTrue(err.toString().startsWith("taskwire-master connections: "), err::toString);

    TestTls.Leaf admin = TestTls.leaf(masterCert.ca(), dir, "admin");
    assertEquals(0, run("connections", "--master", url, "--tls-ca", ca,
        "--tls-cert", admin.certificateFile().toString(), "--tls-key", admin.keyFile().toString()), err::toString);
  }

  @Test
  void badTlsFlagsAreUsageErrorsNamingTheFlag() {
    String cert = masterCert.certificateFile().toString();
    String key = masterCert.keyFile().toString();
    String ca = masterCert.ca().file().toString();
    String serveToken = dir.resolve("serve-token").toString();
    assertEquals(2, run("serve", "--port", "0", "--admin-token-file", serveToken, "--tls-cert", cert));
    assertEquals("taskwire-master serve: Option '--tls-cert' needs --tls-key: the PEM certificate and its key go together\n",
        err.toString());
    assertEquals(2, run("serve", "--port", "0", "--admin-token-file", serveToken, "--tls-cert", cert, "--tls-key", key, "--tls-mutual"));
    assertEquals("taskwire-master serve: Option '--tls-mutual' needs --tls-ca, the CA that the peers' certificates must chain to\n",
        err.toString());
    assertEquals(2, run("serve", "--port", "0", "--admin-token-file", serveToken, "--tls-cert", cert, "--tls-key", key,
        "--tls-ca", dir.resolve("missing-ca.pem").toString()));
    assertEquals("taskwire-master serve: Invalid value for option '--tls-ca': " + dir.resolve("missing-ca.pem") + ": no such file\n",
        err.toString());
    assertEquals(2, run("connections", "--tls-key", key, "--tls-ca", ca));
    assertEquals("taskwire-master connections: Option '--tls-key' needs --tls-cert: the PEM certificate and its key go together\n",
        err.toString());
    assertEquals(2, run("connections", "--tls-ca", key));
    assertTrue(err.toString().startsWith("taskwire-master connections: Invalid value for option '--tls-ca': " + key), err::toString);
  }
}
