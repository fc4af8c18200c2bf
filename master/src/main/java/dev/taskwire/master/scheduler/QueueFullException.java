package dev.taskwire.master.scheduler;

import java.util.concurrent.RejectedExecutionException;

/** A submit the queue has no room for; nothing of it was queued. */
public final class QueueFullException extends RejectedExecutionException {
  private final int capacity;

  QueueFullException(int capacity, int queued, int submitted) {
    super("the scheduler's queue is full: " + queued + " of " + capacity + " jobs wait, " + submitted
        + " more do not fit; nothing was queued");
    this.capacity = capacity;
  }

  /** The queue's capacity. */
  public int capacity() {
    return capacity;
  }
}
