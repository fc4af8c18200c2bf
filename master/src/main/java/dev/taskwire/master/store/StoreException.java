package dev.taskwire.master.store;

/**
 * The store cannot be opened, or a write to it failed. {@link #kind()} says which, so that {@code
 * serve} can stop with a reason and an exit code of its own rather than half start.
 */
public final class StoreException extends RuntimeException {
  /** What went wrong, each with the exit code {@code serve} stops with. */
  public enum Kind {
    /** Another running master holds the data directory. */
    LOCKED(20),
    /** A file of the store is not a database, or is damaged. */
    CORRUPT(21),
    /** The store was written by a newer Taskwire: its schema is ahead of this program's. */
    TOO_NEW(22),
    /** The data directory cannot be made or written, or the disk is full. */
    UNWRITABLE(23),
    /** A write failed while running (an operation's change is not on disk). */
    WRITE_FAILED(24);

    private final int exitCode;

    Kind(int exitCode) {
      this.exitCode = exitCode;
    }

    /** The exit code {@code serve} stops with for this kind. */
    public int exitCode() {
      return exitCode;
    }
  }

  private final Kind kind;

  public StoreException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public StoreException(Kind kind, String message) {
    this(kind, message, null);
  }

  public Kind kind() {
    return kind;
  }
}
