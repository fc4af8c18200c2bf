package dev.taskwire.slave;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.security.SharedSecret;
import dev.taskwire.common.testing.Servers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * A slave listening beyond loopback without a shared secret says so at start; one on loopback, or
 * with a secret, does not. (It listens on every interface for the moment of the test only.)
 */
@Isolated // it swaps System.err, where slf4j-simple writes
class OpenListenWarningTest {
  @RegisterExtension final Servers servers = new Servers();

  /** What starting a slave of {@code builder} logs; the slave is closed after the test. */
  private String startAndLog(Slave.Builder builder) {
    PrintStream before = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      servers.start(builder.port(0).build().start());
      return captured.toString(StandardCharsets.UTF_8);
    } finally {
      System.setErr(before);
    }
  }

  @Test
  void warnsWhenListeningBeyondLoopbackWithoutASecret() {
    String open = startAndLog(Slave.builder().host("0.0.0.0"));
    assertTrue(open.contains("Listening on 0.0.0.0 without a shared secret"), open);
    assertFalse(startAndLog(Slave.builder().host("127.0.0.1")).contains("without a shared secret"));
    assertFalse(startAndLog(Slave.builder().host("0.0.0.0").secret(SharedSecret.generate())).contains("without a shared secret"));
  }
}
