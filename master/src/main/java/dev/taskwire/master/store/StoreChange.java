package dev.taskwire.master.store;

/**
 * One row's change, as the {@link GroupCommit} writes it. Changes of the same {@link #key()} not
 * yet written replace each other: only a row's newest state is written.
 */
public sealed interface StoreChange {
  /** The row this change is to: a later change of the same key replaces this one if not yet written. */
  String key();

  /** A job's row, written whole: its lookup columns and its document (see {@code V1__initial.sql}). */
  record JobRow(String id, long seq, String status, long submittedAt, Long finishedAt, String document)
      implements StoreChange {
    @Override
    public String key() {
      return "job:" + id;
    }
  }

  /** A job no longer kept. */
  record JobDeleted(String id) implements StoreChange {
    @Override
    public String key() {
      return "job:" + id;
    }
  }

  /** A connection made through the admin API: its name and what makes it again, as JSON. */
  record ConnectionRow(String name, String document, long createdAt) implements StoreChange {
    @Override
    public String key() {
      return "connection:" + name;
    }
  }

  /** A connection removed through the admin API. */
  record ConnectionDeleted(String name) implements StoreChange {
    @Override
    public String key() {
      return "connection:" + name;
    }
  }

  /** A group's limit of running jobs. */
  record LimitRow(String group, int running) implements StoreChange {
    @Override
    public String key() {
      return "limit:" + group;
    }
  }

  /** A group's limit removed. */
  record LimitDeleted(String group) implements StoreChange {
    @Override
    public String key() {
      return "limit:" + group;
    }
  }

  /** A counter's value (the scheduler's totals, the next sequence number). */
  record Counter(String name, long value) implements StoreChange {
    @Override
    public String key() {
      return "counter:" + name;
    }
  }
}
