package dev.taskwire.master.scheduler;

/**
 * Told of every {@link SchedulerEvent}, in the order they happened (so a job's events arrive in its
 * order: SUBMITTED, DISPATCHED, maybe RETRYING and DISPATCHED again, then one final event). Runs on
 * the scheduler's event thread, never under its lock, one event at a time for all listeners: keep it
 * quick, or hand the event to a thread of your own, since events wait in memory for a slow one. One
 * that throws is logged and the others still get the event.
 */
@FunctionalInterface
public interface SchedulerListener {
  /** Handles one event. */
  void onEvent(SchedulerEvent event);
}
