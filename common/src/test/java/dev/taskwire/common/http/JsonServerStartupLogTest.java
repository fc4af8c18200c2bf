package dev.taskwire.common.http;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.taskwire.common.protocol.MasterErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/** A server starts without Javalin's own start-up lines (its version's age among them). */
@Isolated // it swaps System.err, where slf4j-simple writes
class JsonServerStartupLogTest {
  @Test
  void startingLogsNothingOfJavalinsOwn() {
    PrintStream before = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    JsonServer server = JsonServer.create("quiet", MasterErrorCode.TASK_DATA_INVALID);
    try {
      server.start("127.0.0.1", 0);
    } finally {
      server.stop();
      System.setErr(before);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    assertFalse(log.contains("days old"), log);
    assertFalse(log.contains("Javalin started"), log);
  }
}
