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
import dev.taskwire.master.admin.AdminMessages.ConnectionView;
import dev.taskwire.master.admin.AdminMessages.JobRequest;
import dev.taskwire.master.admin.AdminMessages.JobView;
import dev.taskwire.master.admin.MasterClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code serve} JAR killed with SIGKILL while 1,000 jobs run on 4 slave JARs with {@code
 * --exec} (some running, some finished and not yet reported, most queued), then started again on
 * the same data directory: every job completes once (the script logs every run: none ran twice),
 * those running during the kill keep their one attempt, results are there after the restart, and
 * the connections made through the API are back without a new {@code connect}.
 */
class MasterKilledIT {
  private static final int JOBS = 1_000;
  private static final int SLAVES = 4;

  @TempDir Path dir;
  @RegisterExtension final Servers servers = new Servers();

  private Process startMaster(int port, Path token) throws IOException {
    // Both runs on one data directory (and so one master id): the second takes up the first's work.
    return JarProcesses.start(servers, dir, "master", List.of(java(), "-jar", MASTER_JAR.toString(), "serve",
        "--host", "127.0.0.1", "--port", "" + port, "--callback-host", "127.0.0.1", "--heartbeat-tolerance", "20s",
        "--heartbeat-check-span", "200ms", "--admin-token-file", token.toString(),
        "--data-dir", dir.resolve("data").toString()));
  }

  private List<String> runs() {
    Path log = dir.resolve("runs.log");
    try {
      return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** What {@code check} says, false while the master does not answer (it is starting). */
  private interface Check {
    boolean holds() throws IOException;
  }

  private static boolean answering(Check check) {
    try {
      return check.holds();
    } catch (IOException notYet) {
      return false;
    }
  }

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void aKilledMasterStartedAgainLosesNothingAndRunsNothingTwice() throws Exception {
    Path script = dir.resolve("task.sh");
    // Each run appends its job's number to runs.log (one short append: whole lines), then answers it.
    Files.writeString(script, "#!/bin/sh\n"
        + "n=$(tr -c '0-9' ' ' | awk '{print $1}')\n"
        + "echo \"$n\" >> '" + dir.resolve("runs.log") + "'\n"
        + "sleep 0.05\n"
        + "echo \"{\\\"n\\\": $n}\"\n", StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    List<Integer> slavePorts = new ArrayList<>();
    for (int i = 0; i < SLAVES; i++) {
      int port = Ports.free();
      slavePorts.add(port);
      JarProcesses.start(servers, dir, "slave-" + i, List.of(java(), "-jar", SLAVE_JAR.toString(), "--host", "127.0.0.1",
          "--port", "" + port, "--slots", "2", "--exec", script.toString()));
    }
    int port = Ports.free();
    Path token = dir.resolve("token");
    Process first = startMaster(port, token);
    JarProcesses.awaitMaster(port, token);
    MasterClient client = new MasterClient("http://127.0.0.1:" + port, Token.of(Files.readString(token).trim()));
    for (int i = 0; i < SLAVES; i++) {
      int slavePort = slavePorts.get(i);
      Await.until(Duration.ofSeconds(30), "slave " + slavePort + " listening", () -> Ports.listening(slavePort));
      client.connect("s" + i, "127.0.0.1", slavePort, null, Map.of());
    }
    List<String> ids = new ArrayList<>();
    for (int from = 0; from < JOBS; from += 100) {
      List<Map<String, Object>> batch = new ArrayList<>();
      for (int n = from; n < from + 100; n++) {
        batch.add(Map.of("n", n));
      }
      ids.addAll(client.submitJobs(batch, JobRequest.DEFAULTS));
    }
    Await.until(Duration.ofSeconds(60), "150 runs before the kill", () -> runs().size() >= 150);

    first.destroyForcibly();
    assertTrue(first.waitFor(30, TimeUnit.SECONDS));
    int runsAtKill = runs().size();
    assertTrue(runsAtKill < JOBS, "the kill came with most jobs not run: " + runsAtKill);

    startMaster(port, token);
    JarProcesses.awaitMaster(port, token);
    Await.until(Duration.ofSeconds(30), "the kept connections made again", () -> answering(() -> {
      Set<String> names = new TreeSet<>();
      for (ConnectionView view : client.connections()) {
        names.add(view.name());
      }
      return names.equals(Set.of("s0", "s1", "s2", "s3"));
    }));
    Map<String, JobView> finals = new HashMap<>();
    Await.until(Duration.ofSeconds(120), () -> finals.size() + " of " + JOBS + " jobs final", () -> answering(() -> {
      for (JobView view : client.jobs(null, null, JOBS)) {
        if (view.isFinal()) {
          finals.put(view.id(), view);
        }
      }
      return finals.size() == JOBS;
    }));

    for (int n = 0; n < JOBS; n++) {
      JobView job = client.job(ids.get(n));
      assertEquals("COMPLETED", job.status(), () -> job.toString());
      assertEquals(Map.of("n", n), job.result(), () -> job.toString());
      if (job.attempts().size() != 1) {
        // Only an attempt whose /task/new the kill cut short is sent again: its slave, back, did
        // not list it, so it never ran there (the run log below proves it).
        assertEquals(2, job.attempts().size(), () -> job.toString());
        assertEquals("LOST", job.attempts().get(0).failure().reason(), () -> job.toString());
        assertTrue(job.attempts().get(0).failure().message().contains("restarted"), () -> job.toString());
      }
    }
    List<String> runs = runs();
    assertEquals(JOBS, runs.size(), "every job ran once: " + (runs.size() - new TreeSet<>(runs).size()) + " twice");
    assertEquals(JOBS, new TreeSet<>(runs).size());
  }
}
