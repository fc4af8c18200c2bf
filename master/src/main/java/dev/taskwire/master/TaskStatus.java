package dev.taskwire.master;

/**
 * The life of a {@link Task}: {@code IDLE → STARTING → STARTED or START_FAILED → COMPLETED or
 * FAILED}, or {@code CANCELLED} from any state before a final one. The names are the reference's,
 * but for CANCELLED, which is Taskwire's.
 */
public enum TaskStatus {
  /** Created, not yet started. */
  IDLE,
  /** {@code /task/new} is being sent. */
  STARTING,
  /** The slave accepted the task; its result has not arrived yet. */
  STARTED,
  /** The slave refused the task, or could not be reached. Final. */
  START_FAILED,
  /** The slave reported a result through {@code /slave/task/complete}. Final. */
  COMPLETED,
  /**
   * The slave reported a failure, or Taskwire ended the task: connection lost, timeout, master
   * shutdown (see {@link Task#failure()}). Final.
   */
  FAILED,
  /** {@link Task#cancel()} ended it. Final. */
  CANCELLED;

  /** Whether no further change can happen. */
  public boolean isFinal() {
    return this == START_FAILED || this == COMPLETED || this == FAILED || this == CANCELLED;
  }
}
