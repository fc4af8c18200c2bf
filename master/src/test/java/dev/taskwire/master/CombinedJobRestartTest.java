package dev.taskwire.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.master.TaskFailure.Reason;
import dev.taskwire.master.scheduler.Combiner;
import dev.taskwire.master.scheduler.Job;
import dev.taskwire.master.scheduler.JobOptions;
import dev.taskwire.master.scheduler.JobStatus;
import dev.taskwire.master.store.EmbeddedStore;
import dev.taskwire.slave.Slave;
import dev.taskwire.slave.TestSlaves;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Combined jobs on a real store, across a restart: a function given as code is not kept, and a
 * combination already made is.
 */
class CombinedJobRestartTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  /** The sum of the upstreams' {@code "n"}. */
  private static final Combiner TOTAL = results -> Map.of("total",
      results.stream().mapToInt(result -> ((Number) result.get("n")).intValue()).sum());

  @RegisterExtension final Servers servers = new Servers();
  @TempDir Path dir;

  /** A master on the store in {@link #dir}. */
  private Master start(Duration adoptionWindow) {
    EmbeddedStore store = servers.start(EmbeddedStore.open(dir));
    return servers.start(TestMasters.loopback().store(store).heartbeatTolerance(adoptionWindow).build().start());
  }

  /** Stops {@code master} and its store, as a restart does. */
  private static void stop(Master master) {
    master.close();
    master.store().close();
  }

  @Test
  void aCombinedJobGivenAsCodeFailsAtARestartSayingWhy() throws Exception {
    Master firstMaster = start(Duration.ofSeconds(5));
    Job a = firstMaster.scheduler().submit(Map.of("x", 1));
    Job code = firstMaster.scheduler().combine(List.of(a), TOTAL);
    stop(firstMaster);

    Job read = start(Duration.ofSeconds(5)).scheduler().job(code.id()).orElseThrow().join(WAIT);
    assertEquals(JobStatus.FAILED, read.status());
    assertEquals(Reason.COMBINE_FAILED, read.failure().reason());
    assertEquals("its combine function was code in the master's process, which a restart does not keep",
        read.failure().message());
  }

  @Test
  void aCombinationAlreadyMadeIsKeptAcrossARestartAndRunsAsAnyJob() throws Exception {
    Master firstMaster = start(Duration.ofSeconds(5));
    Job a = firstMaster.scheduler().submit(Map.of("x", 1));
    Job asTask = firstMaster.scheduler().combineAsTask(List.of(a), results -> Map.of("n", results.get(0).get("n")),
        JobOptions.DEFAULTS);
    assertTrue(a.complete(Map.of("n", 5)));
    Await.until(WAIT, "the combination is queued", () -> asTask.status() == JobStatus.QUEUED);
    stop(firstMaster);

    Master second = start(Duration.ofSeconds(5));
    Job kept = second.scheduler().job(asTask.id()).orElseThrow();
    assertEquals(JobStatus.QUEUED, kept.status(), () -> String.valueOf(kept.failure()));
    assertEquals(Map.of("n", 5), kept.sentData());
    Slave slave = servers.start(TestSlaves.loopback().processor(data -> Map.of("twice", 2 * (Integer) data.get("n")))
        .build().start());
    second.newConnection("s", Servers.LOOPBACK, slave.port()).connect();
    assertEquals(Map.of("twice", 10), kept.join(WAIT).result());
  }
}
