package dev.taskwire.master.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.master.TaskStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A workflow of 500 chains of 4 on four slave JVMs, one killed with {@code destroyForcibly} in the
 * middle: every job completes once with its own sum, and each downstream was sent after its
 * upstream's final attempt, carrying that attempt's result, once.
 */
class WorkflowSlaveKilledIT extends KilledSlaveFleet {
  private static final int CHAINS = 500;
  private static final int LINKS = 4;

  @Test
  @Timeout(180)
  void everyJobOfTheWorkflowCompletesOnceAndRetriedUpstreamsFeedTheirDownstreamsOnce() throws Exception {
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
        Job job = counted(scheduler.submit(Map.of("a", c, "b", link * 1_000_000, "sleepMs", 20), options.build()));
        chain.add(job);
        previous = job;
      }
      chains.add(chain);
    }
    int jobs = CHAINS * LINKS;
    String victimName = killBusiestOnceCompleted(jobs / 3, "a third of the jobs completed");

    int retried = 0;
    for (int c = 0; c < CHAINS; c++) {
      List<Job> chain = chains.get(c);
      for (int link = 0; link < LINKS; link++) {
        Job job = chain.get(link).join(Duration.ofSeconds(60));
        assertEquals(JobStatus.COMPLETED, job.status(), () -> job + " " + job.attempts());
        assertEquals(c + link * 1_000_000, ((Number) job.result().get("sum")).intValue(), "its own result");
        assertEquals(1, callbacks(job), "one callback");
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
