package dev.taskwire.master.scheduler;

import java.util.Map;

/**
 * What the scheduler holds at one moment ({@link Scheduler#summary()}).
 *
 * @param queued jobs waiting for a slot
 * @param waitingForRetry jobs waiting for a retry's backoff (queued too, by the queue's bound)
 * @param running attempts in flight
 * @param queueCapacity the most jobs that may wait
 * @param queuedByPriority queued jobs by priority (highest first), then by group
 * @param runningByGroup attempts in flight by group
 * @param limits group limits
 * @param freeSlots free slots by live connection
 * @param totals counts since the master started
 * @param waitingForUpstreams jobs WAITING for their upstream jobs (they count against the queue's bound too)
 */
public record SchedulerSummary(int queued, int waitingForRetry, int running, int queueCapacity,
    Map<Integer, Map<String, Integer>> queuedByPriority, Map<String, Integer> runningByGroup, Map<String, Integer> limits,
    Map<String, Integer> freeSlots, Totals totals, int waitingForUpstreams) {

  /**
   * Counts since the master started.
   *
   * @param submitted jobs accepted
   * @param completed jobs that completed
   * @param failed jobs that failed
   * @param cancelled jobs cancelled
   * @param retries attempts retried (a job retried twice counts 2)
   */
  public record Totals(long submitted, long completed, long failed, long cancelled, long retries) {}
}
