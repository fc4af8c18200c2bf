package dev.taskwire.master.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The queue's fairness rule, without a master or a slave: priorities, groups taking turns, FIFO in a group. */
class JobQueueTest {
  private final JobQueue queue = new JobQueue();
  private long seq;

  private JobRecord job(String id, JobOptions options) {
    return new JobRecord(id, Map.of(), options, ++seq);
  }

  private JobRecord queued(String id, JobOptions options) {
    JobRecord job = job(id, options);
    queue.add(job);
    return job;
  }

  private JobRecord queued(String id, String group) {
    return queued(id, JobOptions.builder().group(group).build());
  }

  /** Takes up to {@code budget} jobs, each placed anywhere, every group free to run; returns their ids in order. */
  private List<String> take(int budget) {
    return take(budget, job -> "anywhere", group -> true);
  }

  private List<String> take(int budget, JobQueue.Placer<String> placer, Predicate<String> canRun) {
    List<String> ids = new ArrayList<>();
    for (JobQueue.Placement<String> placement : queue.take(budget, placer, canRun)) {
      assertFalse(placement.job().inQueue, "a job taken is no longer in the queue");
      ids.add(placement.job().id);
    }
    return ids;
  }

  @Test
  void higherPriorityGoesFirstWhateverTheOrderOfSubmission() {
    queued("low-1", JobOptions.builder().priority(0).build());
    queued("high-1", JobOptions.builder().priority(5).build());
    queued("low-2", JobOptions.builder().priority(0).build());
    queued("high-2", JobOptions.builder().priority(5).build());
    queued("negative", JobOptions.builder().priority(-3).build());

    assertEquals(List.of("high-1", "high-2", "low-1", "low-2", "negative"), take(10));
    assertEquals(0, queue.size());
  }

  @Test
  void groupsOfOnePriorityTakeTurnsSoABigGroupDoesNotStarveASmallOne() {
    for (int i = 1; i <= 5; i++) {
      queued("big-" + i, "big");
    }
    queued("small-1", "small");
    queued("small-2", "small");

    assertEquals(List.of("big-1", "small-1", "big-2", "small-2", "big-3", "big-4", "big-5"), take(10));
  }

  @Test
  void aGroupsTurnPassesOnAcrossDispatchesToo() {
    for (int i = 1; i <= 3; i++) {
      queued("a-" + i, "a");
      queued("b-" + i, "b");
    }

    assertEquals(List.of("a-1"), take(1));
    assertEquals(List.of("b-1"), take(1));
    assertEquals(List.of("a-2", "b-2"), take(2));
    assertEquals(List.of("a-3", "b-3"), take(5));
  }

  @Test
  void withinAGroupJobsGoFirstInFirstOut() {
    for (int i = 1; i <= 4; i++) {
      queued("job-" + i, "only");
    }

    assertEquals(List.of("job-1", "job-2", "job-3", "job-4"), take(10));
  }

  @Test
  void theBudgetBoundsHowManyAreTakenAndTheRestWait() {
    for (int i = 1; i <= 4; i++) {
      queued("job-" + i, "only");
    }

    assertEquals(List.of("job-1", "job-2"), take(2));
    assertEquals(2, queue.size());
    assertEquals(List.of("job-3", "job-4"), take(2));
  }

  @Test
  void aJobPutBackGoesToTheHeadOfItsGroupNotTheTail() {
    JobRecord first = queued("first", "g");
    queued("second", "g");
    assertEquals(List.of("first"), take(1));

    queue.addFirst(first); // a retry, or a slave that answered busy

    assertTrue(first.inQueue);
    assertEquals(List.of("first", "second"), take(10));
  }

  @Test
  void aJobThatLeftTheQueueIsSkippedAndNotCounted() {
    queued("a", "g");
    JobRecord cancelled = queued("b", "g");
    queued("c", "g");

    queue.removed(cancelled);

    assertFalse(cancelled.inQueue);
    assertEquals(2, queue.size());
    assertEquals(Map.of(0, Map.of("g", 2)), queue.counts());
    assertEquals(List.of("a", "c"), take(10));
  }

  @Test
  void aJobNoConnectionCanTakeDoesNotHoldUpTheOthersOfItsGroup() {
    queued("gpu-1", JobOptions.builder().group("g").labels("gpu").build());
    queued("plain-1", "g");
    queued("gpu-2", JobOptions.builder().group("g").labels("gpu").build());
    queued("plain-2", "g");
    JobQueue.Placer<String> noGpu = job -> job.options.labels().isEmpty() ? "cpu-slave" : null;

    assertEquals(List.of("plain-1", "plain-2"), take(10, noGpu, group -> true));
    assertEquals(List.of("gpu-1", "gpu-2"), take(10, job -> "gpu-slave", group -> true));
  }

  @Test
  void ofTheHeadsAConnectionCanTakeTheOldestGoesFirst() {
    queued("plain-1", "g");
    queued("gpu-1", JobOptions.builder().group("g").labels("gpu").build());
    queued("plain-2", "g");

    assertEquals(List.of("plain-1", "gpu-1", "plain-2"), take(10));
  }

  @Test
  void aGroupAtItsLimitWaitsWhileTheOthersRun() {
    queued("limited-1", "limited");
    queued("free-1", "free");
    queued("limited-2", "limited");
    queued("free-2", "free");

    assertEquals(List.of("free-1", "free-2"), take(10, job -> "anywhere", group -> !group.equals("limited")));
    assertEquals(2, queue.size());
    assertEquals(List.of("limited-1", "limited-2"), take(10));
  }

  @Test
  void countsGoByPriorityHighestFirstThenByGroup() {
    queued("a", JobOptions.builder().priority(1).group("x").build());
    queued("b", JobOptions.builder().priority(9).group("y").build());
    queued("c", JobOptions.builder().priority(1).group("x").build());
    queued("d", JobOptions.builder().priority(1).group("w").build());

    Map<Integer, Map<String, Integer>> counts = queue.counts();

    assertEquals(List.of(9, 1), List.copyOf(counts.keySet()));
    assertEquals(Map.of("y", 1), counts.get(9));
    assertEquals(List.of("w", "x"), List.copyOf(counts.get(1).keySet()));
    assertEquals(2, counts.get(1).get("x"));
  }

  @Test
  void clearEmptiesTheQueueAndReturnsWhatWasQueued() {
    queued("a", "g");
    JobRecord gone = queued("b", "g");
    queued("c", "h");
    queue.removed(gone);

    List<JobRecord> cleared = queue.clear();

    assertEquals(List.of("a", "c"), cleared.stream().map(job -> job.id).sorted().toList());
    assertEquals(0, queue.size());
    assertEquals(List.of(), take(10));
  }
}
