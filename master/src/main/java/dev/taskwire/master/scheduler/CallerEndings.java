package dev.taskwire.master.scheduler;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Jobs a caller ends: a cancel of one job, of a group's, of all (each with what it spreads to),
 * and a completion by hand. Each ends its jobs under the scheduler's lock, runs what that
 * released after it, and returns only once the ending is on disk (at once in memory): an
 * acknowledged cancel survives a crash, as a submit does.
 *
 * @throws dev.taskwire.master.store.StoreException from each, if the store could not write it
 */
final class CallerEndings {
  private final Object lock;
  private final JobStore store;
  private final Outcomes outcomes;
  private final Dispatch dispatch;

  CallerEndings(Object lock, JobStore store, Outcomes outcomes, Dispatch dispatch) {
    this.lock = lock;
    this.store = store;
    this.outcomes = outcomes;
    this.dispatch = dispatch;
  }

  /** Cancels {@code job}; false if it was final already. */
  boolean cancel(JobRecord job) {
    Effects effects = new Effects();
    boolean cancelledNow;
    long ticket;
    synchronized (lock) {
      cancelledNow = cancelByCaller(job, "cancelled by the caller", effects) > 0;
      ticket = store.ticket();
    }
    effects.run();
    store.awaitStored(ticket);
    return cancelledNow;
  }

  /** Cancels every job not final that {@code which} accepts, oldest first; returns how many jobs ended. */
  int cancelWhere(Predicate<JobRecord> which, String why) {
    Effects effects = new Effects();
    int count = 0;
    long ticket;
    synchronized (lock) {
      for (JobRecord job : store.unfinished(which)) {
        count += cancelByCaller(job, why, effects); // with what it spreads to; 0 for one ended by an earlier spread
      }
      ticket = store.ticket();
    }
    effects.run();
    store.awaitStored(ticket);
    return count;
  }

  /** Completes {@code job} with {@code result}, stopping its attempt; false if it was final already. */
  boolean completeByHand(JobRecord job, Map<String, Object> result) {
    Effects effects = new Effects();
    boolean completedNow;
    long ticket;
    synchronized (lock) {
      Ending byHand = Ending.completed(Collections.unmodifiableMap(new LinkedHashMap<>(result)), "completed by hand");
      completedNow = outcomes.end(job, byHand.stoppingAttempt(), effects) > 0;
      dispatch.promote(effects); // its downstreams may be ready
      ticket = store.ticket();
    }
    effects.run();
    store.awaitStored(ticket);
    return completedNow;
  }

  /** Under the lock: a caller's cancel of {@code job} (and what it spreads to); returns how many jobs it ended. */
  private int cancelByCaller(JobRecord job, String why, Effects effects) {
    if (job.status.isFinal()) {
      return 0;
    }
    return outcomes.end(job, Ending.cancelledByCaller(why), effects);
  }
}
