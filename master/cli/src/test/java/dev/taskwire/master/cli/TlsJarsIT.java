package dev.taskwire.master.cli;

import static dev.taskwire.master.JarProcesses.MASTER_JAR;
import static dev.taskwire.master.JarProcesses.SLAVE_JAR;
import static dev.taskwire.master.JarProcesses.java;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.Ports;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.common.testing.TestTls;
import dev.taskwire.master.JarProcesses;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both JARs with their TLS flags as OS processes: serve with https, a slave with mutual TLS (it
 * takes only a master whose certificate is from its CA), and the client commands with --tls-ca.
 */
class TlsJarsIT {
  @TempDir Path dir;
  @RegisterExtension final Servers servers = new Servers();
  private StringWriter out;
  private StringWriter err;

  private void start(String name, List<String> command) throws Exception {
    JarProcesses.start(servers, dir, name, command);
  }

  private int cli(String... args) {
    out = new StringWriter();
    err = new StringWriter();
    return Main.run(args, Map.of(), new PrintWriter(out, true), new PrintWriter(err, true));
  }

  @Test
  @Timeout(120)
  void serveAndAMutualSlaveOverHttpsDrivenByTheCliWithTheCa() throws Exception {
    assertTrue(Files.exists(SLAVE_JAR), "run after mvn package: " + SLAVE_JAR.toAbsolutePath());
    assertTrue(Files.exists(MASTER_JAR), "run after mvn package: " + MASTER_JAR.toAbsolutePath());
    TestTls.Ca ca = TestTls.ca(dir, "fleet");
    TestTls.Leaf masterCert = TestTls.leaf(ca, dir, "master");
    TestTls.Leaf slaveCert = TestTls.leaf(ca, dir, "slave");
    int slavePort = Ports.free();
    int masterPort = Ports.free();
    Path token = dir.resolve("admin-token");
    start("slave", List.of(java(), "-jar", SLAVE_JAR.toString(), "--host", "127.0.0.1", "--port", "" + slavePort,
        "--tls-cert", slaveCert.certificateFile().toString(), "--tls-key", slaveCert.keyFile().toString(),
        "--tls-ca", ca.file().toString(), "--tls-mutual"));
    start("master", List.of(java(), "-jar", MASTER_JAR.toString(), "serve", "--host", "127.0.0.1", "--port", "" + masterPort,
        "--callback-host", "127.0.0.1", "--admin-token-file", token.toString(),
        "--tls-cert", masterCert.certificateFile().toString(), "--tls-key", masterCert.keyFile().toString(),
        "--tls-ca", ca.file().toString()));
    Await.until(Duration.ofSeconds(30), "slave listening", () -> Ports.listening(slavePort));
    JarProcesses.awaitMaster(masterPort, token);

    String master = "https://127.0.0.1:" + masterPort;
    String[] client = {"--master", master, "--token-file", token.toString(), "--tls-ca", ca.file().toString()};
    assertEquals(0, cli(concat(new String[] {"connect", "s1", "127.0.0.1:" + slavePort}, client)), err::toString);
    assertEquals("connected s1 to https://127.0.0.1:" + slavePort + " (1 slot)\n", out.toString());
    assertEquals(0, cli(concat(new String[] {"submit", "s1", "{\"a\": 40, \"b\": 2}", "--wait"}, client)), err::toString);
    assertEquals("{\"sum\":42}\n", out.toString());

    assertEquals(3, cli("connections", "--master", master, "--token-file", token.toString()));
    assertTrue(err.toString().startsWith("taskwire-master connections: TLS handshake with the master failed: its certificate"
        + " is not trusted (pass --tls-ca FILE"), err::toString);
    assertEquals(1, err.toString().lines().count(), err::toString);

    String masterLog = Files.readString(dir.resolve("master.log"));
    assertTrue(masterLog.contains("listening on https://127.0.0.1:" + masterPort), masterLog);
    assertFalse(masterLog.contains("PRIVATE KEY"), masterLog);
    assertTrue(Files.readString(dir.resolve("slave.log")).contains("listening on https://127.0.0.1:" + slavePort));
  }

  private static String[] concat(String[] a, String[] b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
