package dev.taskwire.master.store;

import dev.taskwire.common.util.Durations;
import dev.taskwire.master.store.StoreChange.ConnectionDeleted;
import dev.taskwire.master.store.StoreChange.ConnectionRow;
import dev.taskwire.master.store.StoreChange.Counter;
import dev.taskwire.master.store.StoreChange.JobDeleted;
import dev.taskwire.master.store.StoreChange.JobRow;
import dev.taskwire.master.store.StoreChange.LimitDeleted;
import dev.taskwire.master.store.StoreChange.LimitRow;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the store's changes on one thread, all the changes that arrived while the last
 * transaction ran in the next one (group commit): a caller hands its changes over with {@link
 * #submit} under its own lock, then waits outside it with {@link #await} for the ticket it got.
 *
 * <p>A lone change is never held back: the writer starts a transaction as soon as there is
 * anything to write; company comes from the changes that arrive while one commits. Changes of the
 * same row not yet written replace each other, so a job changed five times in a millisecond is
 * written once.
 *
 * <p>A transaction that fails fails the callers waiting for it ({@link StoreException.Kind#WRITE_FAILED})
 * and leaves the store {@link #failure() failing}; its changes stay pending (unless replaced by
 * newer ones) and are tried again after a pause, so nothing handed over is dropped while the
 * process lives. The first transaction that succeeds clears the failure.
 */
public final class GroupCommit implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);
  private static final Duration FIRST_PAUSE = Duration.ofMillis(100);
  private static final Duration LONGEST_PAUSE = Duration.ofSeconds(5);

  private final Connection connection;
  private final Thread thread;
  private final LongAdder transactions = new LongAdder();
  private final LongAdder rows = new LongAdder();
  // Guarded by this.
  private LinkedHashMap<String, StoreChange> pending = new LinkedHashMap<>();
  private long submitted; // the ticket of the newest change handed over
  private long written; // every ticket up to this one is on disk
  private long failedUpTo; // tickets up to this one were in a transaction that failed
  private StoreException failure;
  private boolean closing;
  /** The writer waits for work: only then does a submit need to wake anyone (waiters sleep on). */
  private boolean writerIdle;

  GroupCommit(Connection connection, String name) {
    this.connection = connection;
    this.thread = new Thread(this::run, "taskwire-store-writer-" + name);
    thread.setDaemon(true);
    thread.start();
  }

  /** Hands {@code changes} over; returns the ticket to {@link #await} for them to be on disk. */
  public synchronized long submit(List<? extends StoreChange> changes) {
    if (changes.isEmpty()) {
      return submitted;
    }
    for (StoreChange change : changes) {
      pending.remove(change.key()); // re-inserted last: the row's newest state
      pending.put(change.key(), change);
    }
    submitted++;
    if (writerIdle) {
      notifyAll(); // while it writes, the writer takes this with the next batch unasked
    }
    return submitted;
  }

  /** {@link #submit(List)} of one change. */
  public long submit(StoreChange change) {
    return submit(List.of(change));
  }

  /** The ticket of the newest change handed over: await it to wait for everything so far. */
  public synchronized long lastTicket() {
    return submitted;
  }

  /**
   * Waits until the changes of {@code ticket} (and all before it) are on disk.
   *
   * @throws StoreException {@link StoreException.Kind#WRITE_FAILED} if the transaction that held
   *     them failed, or they were not written within {@code timeout}
   */
  public synchronized void await(long ticket, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (written < ticket) {
      if (failure != null && failedUpTo >= ticket) {
        throw new StoreException(StoreException.Kind.WRITE_FAILED, "the store could not write: " + failure.getMessage(),
            failure);
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new StoreException(StoreException.Kind.WRITE_FAILED,
            "the store did not write within " + timeout.toMillis() + " ms");
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StoreException(StoreException.Kind.WRITE_FAILED, "interrupted while waiting for the store");
      }
    }
  }

  /** Why the last transaction failed; null while the store writes. */
  public synchronized StoreException failure() {
    return failure;
  }

  /** Transactions committed and rows written so far: what group commit saves shows in their ratio. */
  public long[] counts() {
    return new long[] {transactions.sum(), rows.sum()};
  }

  /** Writes what is pending (within {@code timeout}), then stops the writer. */
  public void close(Duration timeout) {
    long last;
    synchronized (this) {
      last = submitted;
    }
    try {
      await(last, timeout);
    } catch (StoreException e) {
      log.warn("Store: changes not written at close: {}", e.getMessage());
    }
    synchronized (this) {
      closing = true;
      notifyAll();
    }
    try {
      thread.join(timeout.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(10));
  }

  private void run() {
    Duration pause = FIRST_PAUSE;
    while (true) {
      Map<String, StoreChange> batch;
      long upTo;
      synchronized (this) {
        while (pending.isEmpty() && !closing) {
          writerIdle = true;
          try {
            wait();
          } catch (InterruptedException e) {
            return;
          } finally {
            writerIdle = false;
          }
        }
        if (pending.isEmpty()) {
          return; // closing, nothing left
        }
        batch = pending;
        pending = new LinkedHashMap<>();
        upTo = submitted;
      }
      try {
        write(batch.values());
        transactions.increment();
        rows.add(batch.size());
        synchronized (this) {
          written = upTo;
          if (failure != null) {
            log.info("Store: writing again after a failure");
          }
          failure = null;
          notifyAll();
        }
        pause = FIRST_PAUSE;
      } catch (SQLException | RuntimeException e) {
        StoreException failed = new StoreException(StoreException.Kind.WRITE_FAILED, e.getMessage(), e);
        synchronized (this) {
          // What failed is older than what arrived meanwhile: it goes first, unless replaced.
          LinkedHashMap<String, StoreChange> again = new LinkedHashMap<>();
          batch.forEach((key, change) -> {
            if (!pending.containsKey(key)) {
              again.put(key, change);
            }
          });
          again.putAll(pending);
          pending = again;
          if (failure == null) {
            log.error("Store: a write failed; the changes are kept and tried again: {}", e.toString());
          }
          failure = failed;
          failedUpTo = upTo;
          notifyAll();
          if (closing) {
            return;
          }
          try {
            wait(pause.toMillis()); // bounded: tried again after the pause, or at close
          } catch (InterruptedException interrupted) {
            return;
          }
        }
        pause = Durations.doubledUpTo(pause, LONGEST_PAUSE);
      }
    }
  }

  private void write(Iterable<StoreChange> changes) throws SQLException {
    List<JobRow> jobs = new ArrayList<>();
    List<StoreChange> others = new ArrayList<>();
    for (StoreChange change : changes) {
      if (change instanceof JobRow job) {
        jobs.add(job);
      } else {
        others.add(change);
      }
    }
    try {
      connection.setAutoCommit(false);
      if (!jobs.isEmpty()) {
        try (PreparedStatement put = connection.prepareStatement(Sql.PUT_JOB)) {
          for (JobRow job : jobs) {
            put.setString(1, job.id());
            put.setLong(2, job.seq());
            put.setString(3, job.status());
            put.setLong(4, job.submittedAt());
            if (job.finishedAt() == null) {
              put.setNull(5, Types.BIGINT);
            } else {
              put.setLong(5, job.finishedAt());
            }
            put.setString(6, job.document());
            put.addBatch();
          }
          put.executeBatch();
        }
      }
      for (StoreChange change : others) {
        writeOne(change);
      }
      connection.commit();
    } catch (SQLException | RuntimeException e) {
      // SQLite may have rolled the transaction back itself (it does on SQLITE_FULL): then ending it
      // here fails too ("no transaction is active"), and must not hide the failure that says why.
      try {
        connection.rollback();
      } catch (SQLException rollback) {
        e.addSuppressed(rollback);
      }
      try {
        connection.setAutoCommit(true);
      } catch (SQLException autoCommit) {
        e.addSuppressed(autoCommit);
      }
      throw e;
    }
    connection.setAutoCommit(true);
  }

  private void writeOne(StoreChange change) throws SQLException {
    if (change instanceof JobDeleted deleted) {
      Sql.update(connection, Sql.DELETE_JOB, deleted.id());
    } else if (change instanceof ConnectionRow row) {
      Sql.update(connection, Sql.PUT_CONNECTION, row.name(), row.document(), row.createdAt());
    } else if (change instanceof ConnectionDeleted deleted) {
      Sql.update(connection, Sql.DELETE_CONNECTION, deleted.name());
    } else if (change instanceof LimitRow row) {
      Sql.update(connection, Sql.PUT_LIMIT, row.group(), row.running());
    } else if (change instanceof LimitDeleted deleted) {
      Sql.update(connection, Sql.DELETE_LIMIT, deleted.group());
    } else if (change instanceof Counter counter) {
      Sql.update(connection, Sql.PUT_COUNTER, counter.name(), counter.value());
    } else {
      throw new IllegalStateException("not a single-row change: " + change.key());
    }
  }
}
