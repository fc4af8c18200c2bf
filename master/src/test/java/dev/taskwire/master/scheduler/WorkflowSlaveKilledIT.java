package dev.taskwire.master.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.master.Master;
import dev.taskwire.master.SlaveJvms;
import dev.taskwire.master.TaskStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A workflow of 500 chains of 4 on four slave JVMs, one killed with {@code destroyForcibly} in the
 * middle: every job completes once with its own sum, and each downstream was sent after its
 * upstream's final attempt, carrying that attempt's result, once.
 */
class WorkflowSlaveKilledIT {
  private static final Duration TOLERANCE = Duration.ofSeconds(5); // see SchedulerSlaveKilledIT
  private static final int CHAINS = 500;
  private static final int LINKS = 4;

  @RegisterExtension final Servers servers = new Servers();
  @TempDir Path dir;

  @Test
  @Timeout(180)
  void everyJobOfTheWorkflowCompletesOnceAndRetriedUpstreamsFeedTheirDownstreamsOnce() throws Exception {
    SlaveJvms slaves = servers.start(SlaveJvms.killable(dir, 4));
    Master master = servers.start(SlaveJvms.watchingMaster(TOLERANCE).build().start());
    slaves.connect(master);

    Scheduler scheduler = master.scheduler();
    Map<String, AtomicInteger> callbacks = new ConcurrentHashMap<>();
    AtomicInteger completed = new AtomicInteger();
    List<List<Job>> chains = new ArrayList<>();
    for (int c = 0; c < CHAINS; c++) {
      List<Job> chain = new ArrayList<>();
      Job previous = null;
      for (int link = 0; link < LINKS; link++) {
        JobOptions.Builder options = JobOptions.builder().name("link-" + link);
        if (previous != null) {
          options.after(previous);
        }
        // 20 ms each, so that the killed slave surely has jobs in flight.
        Job job = scheduler.submit(Map.of("a", c, "b", link * 1_000_000, "sleepMs", 20), options.build());
        job.onComplete((data, result) -> {
          callbacks.computeIfAbsent(job.id(), id -> new AtomicInteger()).incrementAndGet();
          completed.incrementAndGet();
        }).onFail((data, result) -> callbacks.computeIfAbsent(job.id(), id -> new AtomicInteger()).incrementAndGet());
        chain.add(job);
        previous = job;
      }
      chains.add(chain);
    }
    int jobs = CHAINS * LINKS;
    Await.until(Duration.ofSeconds(60), "a third of the jobs completed", () -> completed.get() >= jobs / 3);
    String victimName = slaves.killBusiest(master);

    int retried = 0;
    for (int c = 0; c < CHAINS; c++) {
      List<Job> chain = chains.get(c);
      for (int link = 0; link < LINKS; link++) {
        Job job = chain.get(link).join(Duration.ofSeconds(60));
        assertEquals(JobStatus.COMPLETED, job.status(), () -> job + " " + job.attempts());
        assertEquals(c + link * 1_000_000, ((Number) job.result().get("sum")).intValue(), "its own result");
        assertEquals(1, callbacks.get(job.id()).get(), "one callback");
        List<Attempt> attempts = job.attempts();
        assertEquals(TaskStatus.COMPLETED, attempts.get(attempts.size() - 1).outcome(), attempts::toString);
        if (attempts.size() > 1) {
          retried++;
        }
        if (link > 0) {
          Job upstream = chain.get(link - 1);
          assertEquals(Map.of("link-" + (link - 1), upstream.result()), job.sentData().get(Passing.NEST_KEY),
              "the upstream's final result, once");
          Attempt lastOfUpstream = upstream.attempts().get(upstream.attempts().size() - 1);
          assertFalse(job.attempts().get(0).dispatchedAt().isBefore(lastOfUpstream.finishedAt()),
              () -> "sent only after its upstream's final attempt: " + upstream.attempts() + " then " + job.attempts());
        }
      }
    }
    assertTrue(retried > 0, "the killed slave had jobs in flight");
    assertEquals(jobs, scheduler.summary().totals().completed());
    assertEquals(0, scheduler.summary().waitingForUpstreams());
  }
}
