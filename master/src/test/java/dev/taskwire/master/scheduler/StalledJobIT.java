package dev.taskwire.master.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.master.Master;
import dev.taskwire.master.SlaveConnection;
import dev.taskwire.master.SlaveJvms;
import dev.taskwire.master.TaskFailure.Reason;
import dev.taskwire.master.TaskStatus;
import dev.taskwire.master.TestMasters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two slave JVMs running an {@code --exec} shell script that reports progress with one line of
 * shell; its first run reports once and then hangs. The job's lease ends that attempt STALLED, the
 * hung process is killed, and the retry on the other slave completes.
 */
class StalledJobIT {
  @RegisterExtension final Servers servers = new Servers();
  @TempDir Path dir;

  @Test
  @Timeout(120)
  void aJobThatStopsReportingIsStalledAndRetriedElsewhereAndItsProcessIsGone() throws Exception {
    Path marker = dir.resolve("first-run");
    Path pid = dir.resolve("hung.pid");
    Path script = dir.resolve("task.sh");
    Files.writeString(script, String.join("\n",
        "#!/bin/sh",
        "echo '{\"done\": 1, \"total\": 3}' >> \"$TASKWIRE_PROGRESS_FILE\"",
        "if mkdir '" + marker + "' 2>/dev/null; then",
        "  echo $$ > '" + pid + ".tmp' && mv '" + pid + ".tmp' '" + pid + "'",
        "  sleep 120", // hangs: no more progress
        "fi",
        "echo 'not json' >> \"$TASKWIRE_PROGRESS_FILE\"",
        "echo '{\"done\": 2, \"total\": 3}' >> \"$TASKWIRE_PROGRESS_FILE\"",
        "echo '{\"done\": 3, \"total\": 3}' >> \"$TASKWIRE_PROGRESS_FILE\"",
        "echo '{\"ok\": true}'",
        ""));
    SlaveJvms slaves = servers.start(SlaveJvms.start(dir, 2, List.of(), "--slots", "1", "--exec", "/bin/sh", script.toString()));
    Master master = servers.start(TestMasters.loopback().build().start());
    for (int i = 0; i < 2; i++) {
      SlaveConnection connection = slaves.connection(master, "slave-" + i, i);
      connection.connect();
      assertTrue(connection.reportsProgress(), "the slave announced progress");
    }

    List<Object> progress = new CopyOnWriteArrayList<>();
    Job job = master.scheduler().submit(Map.of("n", 1), JobOptions.builder().lease(Duration.ofSeconds(2)).build())
        .onProgress(p -> progress.add(p.get("done")));
    job.join(Duration.ofSeconds(60));

    assertEquals(JobStatus.COMPLETED, job.status(), () -> job + " " + job.attempts());
    assertEquals(Map.of("ok", true), job.result());
    List<Attempt> attempts = job.attempts();
    assertEquals(2, attempts.size(), attempts::toString);
    assertEquals(Reason.STALLED, attempts.get(0).failure().reason());
    assertEquals(TaskStatus.COMPLETED, attempts.get(1).outcome());
    assertTrue(!attempts.get(0).connection().equals(attempts.get(1).connection()), "retried on the other slave");
    // The first attempt's one report renewed nothing for long; updates written just before a task
    // ends may be dropped for its report (TaskProgressTest covers progress in order to the end).
    assertEquals(1, progress.get(0), progress::toString);
    assertTrue(progress.stream().allMatch(done -> List.of(1, 2, 3).contains(done)), progress::toString);
    long hung = Long.parseLong(Files.readString(pid).trim());
    Await.until(Duration.ofSeconds(20), "the stalled process gone",
        () -> ProcessHandle.of(hung).map(handle -> !handle.isAlive()).orElse(true));
  }
}
