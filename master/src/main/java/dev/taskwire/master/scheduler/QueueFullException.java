package dev.taskwire.master.scheduler;

import java.util.concurrent.RejectedExecutionException;

/** A submit the queue has no room for; nothing of it was queued. */
public final class QueueFullException extends RejectedExecutionException {
  private final int capacity;
  private final int queued;

  QueueFullException(int capacity, int queued, int submitted) {
    super("the scheduler's queue is full: " + queued + " of " + capacity + " jobs wait, " + submitted
        + " more do not fit; nothing was queued");
    this.capacity = capacity;
    this.queued = queued;
  }

  /** How many jobs were queued (waiting for a slot or a retry's backoff) when it was refused. */
  public int queued() {
    return queued;
  }

  /** The queue's capacity. */
  public int capacity() {
    return capacity;
  }
}
