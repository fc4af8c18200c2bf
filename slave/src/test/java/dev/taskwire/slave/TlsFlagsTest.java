package dev.taskwire.slave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.testing.TestTls;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The slave JAR's TLS flags: a bad combination or file is one line naming the flag, exit code 2, nothing started. */
class TlsFlagsTest {
  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private TestTls.Leaf leaf;

  @BeforeEach
  void certificates() {
    leaf = TestTls.leaf(TestTls.ca(dir, "a"), dir, "slave");
  }

  private String refused(Map<String, String> env, String... args) {
    assertEquals(2, Main.run(args, env, new PrintWriter(out, true), new PrintWriter(err, true)), err::toString);
    String message = err.toString();
    assertTrue(message.startsWith("taskwire-slave: "), message);
    assertEquals(1, message.lines().count(), message);
    return message.strip().substring("taskwire-slave: ".length());
  }

  @Test
  void certWithoutKey() {
    assertEquals("Option '--tls-cert' needs --tls-key: the PEM certificate and its key go together",
        refused(Map.of(), "--tls-cert", leaf.certificateFile().toString()));
  }

  @Test
  void mutualWithoutCa() {
    assertEquals("Option '--tls-mutual' needs --tls-ca, the CA that the peers' certificates must chain to",
        refused(Map.of(), "--tls-cert", leaf.certificateFile().toString(), "--tls-key", leaf.keyFile().toString(), "--tls-mutual"));
  }

  @Test
  void caWithoutIdentity() {
    assertTrue(refused(Map.of(), "--tls-ca", leaf.ca().file().toString()).startsWith("Option '--tls-ca' needs the server's own certificate"));
  }

  @Test
  void keystoreExcludesPemFiles() {
    assertTrue(refused(Map.of(), "--tls-cert", leaf.certificateFile().toString(), "--tls-key", leaf.keyFile().toString(),
        "--tls-keystore", "x.p12", "--tls-keystore-password-file", "pw").startsWith("Option '--tls-keystore' excludes --tls-cert"));
  }

  @Test
  void aMissingFileNamesItsFlag() {
    Path missing = dir.resolve("missing.key");
    assertEquals("Invalid value for option '--tls-key': " + missing + ": no such file",
        refused(Map.of(), "--tls-cert", leaf.certificateFile().toString(), "--tls-key", missing.toString()));
  }

  @Test
  @Timeout(60) // a slave that took the file would run on port 0 until then
  void aKeystorePasswordFileOthersMayReadNamesItsFlag() throws Exception {
    Path keystore = TestTls.pkcs12(leaf, dir, "slave", "s3cret-pass");
    Path password = dir.resolve("slave.password");
    Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-r--r--"));
    assertEquals("Invalid value for option '--tls-keystore-password-file': keystore password file " + password
        + " is readable by group or others (rw-r--r--); run: chmod 600 " + password,
        refused(Map.of(), "--host", "127.0.0.1", "--port", "0", "--tls-keystore", keystore.toString(),
            "--tls-keystore-password-file", password.toString()));
  }

  @Test
  void theFlagsAreReadFromTheEnvironmentToo() {
    assertEquals("Option '--tls-key' needs --tls-cert: the PEM certificate and its key go together",
        refused(Map.of("TASKWIRE_TLS_KEY", leaf.keyFile().toString())));
  }

  @Test
  void helpSaysWhatEachTlsFlagDoes() {
    assertEquals(0, Main.run(new String[] {"--help"}, Map.of(), new PrintWriter(out, true), new PrintWriter(err, true)));
    for (String flag : new String[] {"--tls-cert", "--tls-key", "--tls-keystore", "--tls-keystore-password-file", "--tls-ca", "--tls-mutual"}) {
      assertTrue(out.toString().contains(flag), flag);
    }
  }
}
