package dev.taskwire.master.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.master.TaskFailure.Reason;
import dev.taskwire.master.TaskStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Four slave JVMs, 2,000 jobs, one JVM killed with {@code destroyForcibly} halfway: every job
 * completes with its own correct sum, each callback runs once, and the killed slave's unfinished
 * jobs show a second attempt elsewhere.
 */
class SchedulerSlaveKilledIT extends KilledSlaveFleet {
  private static final int JOBS = 2_000;

  @Test
  @Timeout(180)
  void everyJobCompletesOnceWhenASlaveIsKilledHalfway() throws Exception {
    List<Job> jobs = new ArrayList<>();
    for (int i = 0; i < JOBS; i++) {
      // 20 ms each, so that the killed slave surely has jobs in flight.
      jobs.add(counted(scheduler.submit(Map.of("a", i, "b", 1_000_000, "sleepMs", 20))));
    }
    String victimName = killBusiestOnceCompleted(JOBS / 2, "half the jobs completed");

    for (Job job : jobs) {
      job.join(Duration.ofSeconds(60));
    }
    // On a starved machine the heartbeat check may also drop a live slave (its jobs are then retried
    // too, as LOST): what must hold is that every job completed once, and that each of the killed
    // slave's unfinished jobs shows a failed attempt there and a completed one elsewhere.
    Set<String> dropped = new HashSet<>(Set.of("slave-0", "slave-1", "slave-2", "slave-3"));
    dropped.removeAll(master.names());
    int retriedFromVictim = 0;
    long retries = 0;
    for (int i = 0; i < JOBS; i++) {
      Job job = jobs.get(i);
      assertEquals(JobStatus.COMPLETED, job.status(), () -> job + " " + job.attempts());
      assertEquals(1_000_000 + i, ((Number) job.result().get("sum")).intValue(), "its own result");
      assertEquals(1, callbacks(job), "one callback");
      List<Attempt> attempts = job.attempts();
      Attempt last = attempts.get(attempts.size() - 1);
      assertEquals(TaskStatus.COMPLETED, last.outcome(), attempts::toString);
      for (Attempt failedAttempt : attempts.subList(0, attempts.size() - 1)) {
        assertTrue(dropped.contains(failedAttempt.connection()), () -> "only dropped slaves' jobs were retried: " + attempts);
        assertTrue(failedAttempt.failure().reason() == Reason.LOST || failedAttempt.failure().reason() == Reason.START_FAILED,
            attempts::toString);
      }
      retries += attempts.size() - 1;
      if (attempts.size() > 1 && attempts.get(0).connection().equals(victimName)) {
        retriedFromVictim++;
        assertTrue(!last.connection().equals(victimName));
        if (dropped.size() == 1) {
          assertEquals(2, attempts.size(), attempts::toString);
        }
      }
    }
    assertTrue(dropped.contains(victimName));
    assertTrue(retriedFromVictim > 0, "the killed slave had jobs in flight");
    assertEquals(retries, scheduler.summary().totals().retries());
    assertEquals(JOBS, scheduler.summary().totals().completed());
  }
}
