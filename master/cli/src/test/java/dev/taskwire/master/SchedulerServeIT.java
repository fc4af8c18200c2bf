package dev.taskwire.master;

import static dev.taskwire.master.JarProcesses.MASTER_JAR;
import static dev.taskwire.master.JarProcesses.java;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.testing.Ports;
import dev.taskwire.common.testing.Servers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The master JAR's {@code serve} hands its scheduler flags to the master it runs, as an OS process. */
class SchedulerServeIT {
  @TempDir Path dir;
  @RegisterExtension final Servers servers = new Servers();

  private record CliResult(int exitCode, String stdout, String stderr) {}

  /** Runs the master JAR's CLI to the end. */
  private CliResult cli(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(java(), "-jar", MASTER_JAR.toString()));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "cli", ".out");
    Path err = Files.createTempFile(dir, "cli", ".err");
    Process process = servers.start(new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start());
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      throw new AssertionError("CLI did not finish within 60 s: " + command);
    }
    return new CliResult(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  @Timeout(120)
  void serveRunsTheSchedulerWithItsQueueCapacityAndJobHistory() throws Exception {
    assertTrue(Files.exists(MASTER_JAR), "run after mvn package: " + MASTER_JAR.toAbsolutePath());
    int port = Ports.free();
    Path token = dir.resolve("admin-token");
    JarProcesses.start(servers, dir, "master", List.of(java(), "-jar", MASTER_JAR.toString(), "serve", "--host", "127.0.0.1",
        "--port", "" + port, "--my-address", "http://127.0.0.1:" + port, "--admin-token-file", token.toString(),
        "--queue-capacity", "7", "--job-history", "5"));
    JarProcesses.awaitMaster(port, token);
    String master = "http://127.0.0.1:" + port;

    CliResult summary = cli("scheduler", "--json", "--master", master, "--token-file", token.toString());
    assertEquals(0, summary.exitCode(), summary.stderr());
    Map<String, Object> json = Json.parseObject(summary.stdout());
    assertEquals(7, json.get("queueCapacity"));

    // The job history shows in the answer for a job the master does not keep.
    CliResult job = cli("job", "no-such-job", "--master", master, "--token-file", token.toString());
    assertEquals(1, job.exitCode());
    assertTrue(job.stderr().contains("only the last 5 final ones"), job.stderr());
  }
}
