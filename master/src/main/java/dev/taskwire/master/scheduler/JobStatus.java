package dev.taskwire.master.scheduler;

/**
 * The life of a {@link Job}: {@code WAITING → QUEUED → RUNNING → COMPLETED or FAILED}, back to
 * QUEUED for a retry, or {@code CANCELLED} from any state before a final one. Only a job that
 * depends on others is ever WAITING.
 */
public enum JobStatus {
  /** Waiting for its upstream jobs ({@link JobOptions#after()}) to complete, or for its combination to be computed. */
  WAITING,
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
