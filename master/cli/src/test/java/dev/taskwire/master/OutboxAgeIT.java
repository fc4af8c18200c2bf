package dev.taskwire.master;

import static dev.taskwire.master.JarProcesses.MASTER_JAR;
import static dev.taskwire.master.JarProcesses.SLAVE_JAR;
import static dev.taskwire.master.JarProcesses.java;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.Ports;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.master.admin.AdminMessages.JobView;
import dev.taskwire.master.admin.MasterClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The master down longer than the slave's {@code --outbox-max-age}: the result the slave held is
 * dropped and named in its log, and the job is run again after the restart (its slave, back, no
 * longer lists it), completing with two attempts, the first LOST.
 */
class OutboxAgeIT {
  @TempDir Path dir;
  @RegisterExtension final Servers servers = new Servers();

  private Process startMaster(int port, Path token) throws IOException {
    return JarProcesses.start(servers, dir, "master", List.of(java(), "-jar", MASTER_JAR.toString(), "serve",
        "--host", "127.0.0.1", "--port", "" + port, "--callback-host", "127.0.0.1", "--heartbeat-tolerance", "2s",
        "--heartbeat-check-span", "200ms", "--admin-token-file", token.toString(),
        "--data-dir", dir.resolve("data").toString()));
  }

  private String read(String file) {
    try {
      Path path = dir.resolve(file);
      return Files.exists(path) ? Files.readString(path, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void aResultHeldPastTheAgeLimitIsDroppedNamedAndItsJobRunsAgain() throws Exception {
    Path script = dir.resolve("task.sh");
    Path go = dir.resolve("go");
    // The first run waits for the test's "go" (the master is dead by then); each run is logged.
    Files.writeString(script, "#!/bin/sh\n"
        + "cat > /dev/null\n"
        + "echo run >> '" + dir.resolve("runs.log") + "'\n"
        + "i=0; while [ ! -e '" + go + "' ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done\n"
        + "echo '{\"ok\": true}'\n", StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    int slavePort = Ports.free();
    JarProcesses.start(servers, dir, "slave", List.of(java(), "-jar", SLAVE_JAR.toString(), "--host", "127.0.0.1",
        "--port", "" + slavePort, "--exec", script.toString(), "--outbox-max-age", "1s", "--request-retries", "0"));
    int port = Ports.free();
    Path token = dir.resolve("token");
    Process first = startMaster(port, token);
    JarProcesses.awaitMaster(port, token);
    MasterClient client = new MasterClient("http://127.0.0.1:" + port, Token.of(Files.readString(token).trim()));
    Await.until(Duration.ofSeconds(30), "the slave listening", () -> Ports.listening(slavePort));
    client.connect("s", "127.0.0.1", slavePort, null, Map.of());
    String id = client.submitJob(Map.of("n", 1));
    Await.until(Duration.ofSeconds(30), "the job running", () -> read("runs.log").contains("run"));

    first.destroyForcibly();
    assertTrue(first.waitFor(30, TimeUnit.SECONDS));
    Files.writeString(go, "go");
    Await.until(Duration.ofSeconds(30), "the result held", () -> read("slave.log").contains("kept in the"));
    // Past the slave's --outbox-max-age (1 s): the bound under test, not a wait for an event.
    Thread.sleep(1_500);

    startMaster(port, token);
    JarProcesses.awaitMaster(port, token);
    // Clients share OkHttp's pool, whose connection died with the first master: the first call on it
    // fails, once (the engine does not retry on a broken connection, so as never to send a POST twice).
    MasterClient again = new MasterClient("http://127.0.0.1:" + port, Token.of(Files.readString(token).trim()));
    Await.until(Duration.ofSeconds(30), "the restarted master answering", () -> {
      try {
        return again.job(id) != null;
      } catch (IOException starting) {
        return false;
      }
    });
    JobView job = again.awaitJobFinal(id, Duration.ofSeconds(60));
    assertEquals("COMPLETED", job.status(), job::toString);
    assertEquals(2, job.attempts().size(), job::toString);
    String lostTask = job.attempts().get(0).task();
    assertEquals("LOST", job.attempts().get(0).failure().reason(), job::toString);
    String slaveLog = read("slave.log");
    assertTrue(slaveLog.contains("dropped the") && slaveLog.contains("result of task " + lostTask),
        "the slave names the dropped result: " + slaveLog);
    assertEquals(2, read("runs.log").lines().count(), "run again after its result was dropped");
  }
}
