package dev.taskwire.master;

import dev.taskwire.common.testing.Ports;
import dev.taskwire.common.testing.Servers;
import static dev.taskwire.master.JarProcesses.MASTER_JAR;
import static dev.taskwire.master.JarProcesses.SLAVE_JAR;
import static dev.taskwire.master.JarProcesses.java;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.testing.Await;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both runnable JARs as separate OS processes on loopback: a slave running an {@code --exec}
 * script, a master serving its admin API, and the master JAR's CLI connecting and submitting.
 */
class JarsAsProcessesIT {
  @TempDir Path dir;
  @RegisterExtension final Servers servers = new Servers();

  private Process start(String name, List<String> command) throws IOException {
    return JarProcesses.start(servers, dir, name, command);
  }


  /** Runs the master JAR's CLI to the end; returns its exit code and stdout. */
  private CliResult cli(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(java(), "-jar", MASTER_JAR.toString()));
    command.addAll(List.of(args));
    Path stdout = Files.createTempFile(dir, "cli", ".out");
    Process process = servers.start(new ProcessBuilder(command).redirectError(dir.resolve("cli-err.log").toFile())
        .redirectOutput(stdout.toFile()).start());
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      throw new AssertionError("CLI did not finish within 60 s: " + command);
    }
    return new CliResult(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8));
  }

  private record CliResult(int exitCode, String stdout) {}

  @Test
  @Timeout(120)
  void cliConnectsAndSubmitsThroughTwoJarProcesses() throws Exception {
    assertTrue(Files.exists(SLAVE_JAR), "run after mvn package: " + SLAVE_JAR.toAbsolutePath());
    assertTrue(Files.exists(MASTER_JAR), "run after mvn package: " + MASTER_JAR.toAbsolutePath());
    Path script = dir.resolve("double.sh");
    Files.writeString(script, "#!/bin/sh\n# doubles \"n\" from the task data on stdin\n"
        + "n=$(sed 's/.*\"n\": *\\([0-9]*\\).*/\\1/')\necho \"{\\\"doubled\\\": $((n * 2))}\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    int slavePort = Ports.free();
    int masterPort = Ports.free();
    Path token = dir.resolve("admin-token");

    start("slave", List.of(java(), "-jar", SLAVE_JAR.toString(), "--host", "127.0.0.1", "--port", "" + slavePort,
        "--channel", "42", "--heartbeat-span", "500ms", "--exec", script.toString()));
    start("master", List.of(java(), "-jar", MASTER_JAR.toString(), "serve", "--host", "127.0.0.1", "--port", "" + masterPort,
        "--channel", "42", "--my-address", "http://127.0.0.1:" + masterPort, "--admin-token-file", token.toString()));
    Await.until(Duration.ofSeconds(30), "slave listening", () -> Ports.listening(slavePort));
    JarProcesses.awaitMaster(masterPort, token);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(token)));

    String master = "http://127.0.0.1:" + masterPort;
    CliResult connect = cli("connect", "s1", "127.0.0.1:" + slavePort, "--master", master, "--token-file", token.toString());
    assertEquals(0, connect.exitCode(), connect.stdout());
    assertEquals("connected s1 to http://127.0.0.1:" + slavePort + " (1 slot)\n", connect.stdout());

    CliResult submit = cli("submit", "s1", "{\"n\": 21}", "--wait", "--master", master, "--token-file", token.toString());
    assertEquals(0, submit.exitCode(), submit.stdout());
    assertEquals("{\"doubled\":42}\n", submit.stdout());

    CliResult listed = cli("connections", "--master", master, "--token-file", token.toString());
    assertTrue(listed.stdout().contains("CONNECTED"), listed.stdout());

    String masterLog = Files.readString(dir.resolve("master.log"));
    assertTrue(!masterLog.contains(Files.readString(token).trim()), "the admin token is never logged in full");
  }

  @Test
  @Timeout(120)
  void theReadmeDemoKillsASlaveJvmAndCompletesEveryJobExactlyOnce() throws Exception {
    assertTrue(Files.exists(MASTER_JAR), "run after mvn package: " + MASTER_JAR.toAbsolutePath());
    CliResult demo = cli("demo"); // the README's first command: slaves from the shaded JAR's own classpath
    assertEquals(0, demo.exitCode(), demo.stdout());
    assertTrue(demo.stdout().startsWith("Taskwire demo: a master and 4 slave JVMs x 4 slots on loopback, 1000 jobs"), demo.stdout());
    assertTrue(Pattern.compile("(?m)^killed slave demo-[1-4] \\(pid \\d+\\) with SIGKILL after \\d+ of 1000 jobs had completed")
        .matcher(demo.stdout()).find(), demo.stdout());
    assertTrue(demo.stdout().endsWith("\nevery job completed exactly once (1000 of 1000: one onComplete callback per job id,"
        + " no onFail, every sum right)\n"), demo.stdout());
  }

  @Test
  @Timeout(120)
  void aDemoInterruptedLikeCtrlCLeavesNoSlaveJvmBehind() throws Exception {
    assertTrue(Files.exists(MASTER_JAR), "run after mvn package: " + MASTER_JAR.toAbsolutePath());
    // Enough jobs that the demo is still running when the signal comes.
    Process demo = servers.start(new ProcessBuilder(java(), "-jar", MASTER_JAR.toString(), "demo", "--jobs", "100000")
        .redirectError(dir.resolve("demo-err.log").toFile()).start(), JarProcesses.STOP_GRACE);
    FutureTask<String> slavesLine = new FutureTask<>(() -> {
      BufferedReader lines = new BufferedReader(new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8));
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.startsWith("slaves: ")) {
          return line;
        }
      }
      return null;
    });
    Thread reader = new Thread(slavesLine, "test-demo-output");
    reader.setDaemon(true);
    reader.start();
    String line = slavesLine.get(60, TimeUnit.SECONDS);
    assertNotNull(line, "the demo printed its slaves");
    List<ProcessHandle> slaves = new ArrayList<>();
    Matcher pid = Pattern.compile("pid (\\d+)").matcher(line);
    while (pid.find()) {
      ProcessHandle slave = ProcessHandle.of(Long.parseLong(pid.group(1))).orElseThrow();
      // Killed after the test whatever it found, before the demo is stopped: none outlives it.
      servers.after(slave::destroyForcibly);
      assertTrue(slave.isAlive(), line);
      slaves.add(slave);
    }
    assertEquals(4, slaves.size(), line);

    // Ctrl-C: SIGINT to the demo's JVM, which then runs its shutdown hooks.
    Process interrupt = servers.start(new ProcessBuilder("kill", "-INT", Long.toString(demo.pid())).start());
    assertTrue(interrupt.waitFor(10, TimeUnit.SECONDS));
    assertEquals(0, interrupt.exitValue());
    assertTrue(demo.waitFor(30, TimeUnit.SECONDS), "the demo exits on SIGINT");
    assertEquals(130, demo.exitValue(), "128 + SIGINT");
    for (ProcessHandle slave : slaves) {
      slave.onExit().get(15, TimeUnit.SECONDS);
      assertFalse(slave.isAlive(), "slave JVM " + slave.pid() + " is gone");
    }
  }
}
