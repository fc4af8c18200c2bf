package dev.taskwire.master.store;

/**
 * Real faults of a real {@link EmbeddedStore}, for tests of any package: a disk that is full (every
 * write that needs one more page fails with {@code SQLITE_FULL}), and room again.
 */
public final class StoreFaults {
  private StoreFaults() {}

  /**
   * Once what {@code store} was handed so far is on disk, caps its database at the pages it has now.
   * A write that fits in the pages it has may still go through: a test makes the write it wants to
   * fail larger than a page (a job's data of 64 KiB, say).
   */
  public static void fill(EmbeddedStore store) {
    store.awaitWritten();
    store.capPages(true);
  }

  /** Lifts the cap: the writes kept since are tried again, and written, at the writer's next try. */
  public static void free(EmbeddedStore store) {
    store.capPages(false);
  }
}
