package dev.taskwire.master.scheduler;

/**
 * The life of a {@link Job}: {@code QUEUED → RUNNING → COMPLETED or FAILED}, back to QUEUED for a
 * retry, or {@code CANCELLED} from any state before a final one.
 */
public enum JobStatus {
  /** Waiting: for a free slot on a slave that has its labels, its group's limit, or a retry's backoff. */
  QUEUED,
  /** An attempt is in flight on a connection. */
  RUNNING,
  /** A slave reported a result (or {@link Job#complete(java.util.Map)} gave one). Final. */
  COMPLETED,
  /** It will not complete: see {@link Job#failure()} for the reason. Final. */
  FAILED,
  /** {@link Job#cancel()}, or a cancel of its group or of everything, ended it. Final. */
  CANCELLED;

  /** Whether no further change can happen. */
  public boolean isFinal() {
    return this == COMPLETED || this == FAILED || this == CANCELLED;
  }
}
