package dev.taskwire.master.store;

import dev.taskwire.common.json.Json;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The master's state on disk: one SQLite database in a data directory, made owner-only, with the
 * schema made and migrated by Flyway from {@code db/taskwire}. Writes go through a {@link
 * GroupCommit}; reads (at start, and the retention sweep) through a connection of their own, which
 * SQLite's write-ahead log lets read while the writer writes.
 *
 * <p>Opening checks what would otherwise half start a master and stops with a {@link
 * StoreException} of its own kind: a directory another running master holds (a lock file,
 * {@code taskwire.lock}, held while the store is open), one that cannot be made or written, a
 * database file that is not one or is damaged, and a schema newer than this program's.
 *
 * <p>Durability: SQLite in WAL mode with {@code synchronous=FULL}, so a transaction the writer
 * reported written is on disk, across {@code kill -9} and a power cut alike.
 */
public final class EmbeddedStore implements AutoCloseable {
  /** The newest schema version this program knows ({@code V1__initial.sql}). */
  public static final int SCHEMA_VERSION = 1;
  /** The database file inside the data directory. */
  public static final String DATABASE_FILE = "taskwire.db";
  /** The lock file inside the data directory, held by the master that has it open. */
  public static final String LOCK_FILE = "taskwire.lock";

  private static final Logger log = LoggerFactory.getLogger(EmbeddedStore.class);
  private static final Duration WRITE_WAIT = Duration.ofSeconds(30);
  /** SQLite's own {@code max_page_count}, the largest it takes: no cap ({@link #capPages}). */
  private static final long UNCAPPED_PAGES = 4_294_967_294L;

  private final Path directory;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Connection writes;
  private final Connection reads;
  private final GroupCommit writer;
  private final String masterId;

  private EmbeddedStore(Path directory, FileChannel lockChannel, FileLock lock, Connection writes, Connection reads,
      String masterId) {
    this.directory = directory;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.writes = writes;
    this.reads = reads;
    this.masterId = masterId;
    this.writer = new GroupCommit(writes, directory.getFileName() == null ? "store" : directory.getFileName().toString());
  }

  /**
   * Opens (making it if need be) the store in {@code directory}.
   *
   * @throws StoreException with the kind that says why it cannot be opened
   */
  public static EmbeddedStore open(Path directory) {
    Path dir = directory.toAbsolutePath();
    makeOwnerOnly(dir);
    FileChannel lockChannel = null;
    FileLock lock = null;
    try {
      lockChannel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      lock = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by this very process: another master in this JVM
    } catch (IOException e) {
      closeQuietly(lockChannel);
      throw new StoreException(StoreException.Kind.UNWRITABLE, "cannot lock " + dir.resolve(LOCK_FILE) + ": " + e, e);
    }
    if (lock == null) {
      closeQuietly(lockChannel);
      throw new StoreException(StoreException.Kind.LOCKED,
          "the data directory " + dir + " is in use by another running master (" + LOCK_FILE + " is locked)");
    }
    Connection writes = null;
    Connection reads = null;
    try {
      String url = "jdbc:sqlite:" + dir.resolve(DATABASE_FILE);
      writes = DriverManager.getConnection(url);
      try (Statement settings = writes.createStatement()) {
        settings.execute("PRAGMA journal_mode=WAL");
        settings.execute("PRAGMA synchronous=FULL");
        settings.execute("PRAGMA busy_timeout=5000");
        settings.execute("PRAGMA foreign_keys=ON");
      }
      checkSchemaNotNewer(writes, dir);
      migrate(url, dir);
      reads = DriverManager.getConnection(url);
      try (Statement settings = reads.createStatement()) {
        settings.execute("PRAGMA busy_timeout=5000");
      }
      String id = identity(writes);
      EmbeddedStore store = new EmbeddedStore(dir, lockChannel, lock, writes, reads, id);
      log.info("Store: {} (schema {}), master id {}", dir.resolve(DATABASE_FILE), SCHEMA_VERSION, id);
      return store;
    } catch (SQLException | FlywayException | StoreException e) {
      closeQuietly(reads);
      closeQuietly(writes);
      try {
        lock.release();
      } catch (IOException ignored) {
        // closing the channel releases it too
      }
      closeQuietly(lockChannel);
      if (e instanceof StoreException store) {
        throw store;
      }
      throw classify(e, dir);
    }
  }

  /** The directory the store lives in. */
  public Path directory() {
    return directory;
  }

  /** The master's stable id, made at the first start and kept since. */
  public String masterId() {
    return masterId;
  }

  /** Where changes are handed over and waited for. */
  public GroupCommit writer() {
    return writer;
  }

  /** Why the store's last write failed; null while it writes. */
  public StoreException failure() {
    return writer.failure();
  }

  /** Waits until every change handed over so far is on disk, within a bound. */
  public void awaitWritten() {
    writer.await(writer.lastTicket(), WRITE_WAIT);
  }

  /** Waits for {@code ticket}, within a bound. */
  public void awaitWritten(long ticket) {
    writer.await(ticket, WRITE_WAIT);
  }

  /**
   * Reads the kept jobs' documents: every job not final, oldest first, then up to {@code
   * finalLimit} final ones finished at or after {@code finishedSince} (ms), newest first.
   */
  public void readJobs(int finalLimit, long finishedSince, Consumer<String> unfinished, Consumer<String> finals) {
    try {
      synchronized (reads) {
        try (Statement statement = reads.createStatement(); ResultSet rows = statement.executeQuery(Sql.UNFINISHED_JOBS)) {
          while (rows.next()) {
            unfinished.accept(rows.getString(1));
          }
        }
        try (PreparedStatement statement = reads.prepareStatement(Sql.NEWEST_FINAL_JOBS)) {
          statement.setLong(1, finishedSince);
          statement.setInt(2, finalLimit);
          try (ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
              finals.accept(rows.getString(1));
            }
          }
        }
      }
    } catch (SQLException e) {
      throw classify(e, directory);
    }
  }

  /** The ids of up to {@code batch} final jobs finished before {@code finishedBefore} or past the newest {@code keep}. */
  public List<String> expiredJobs(long finishedBefore, int keep, int batch) {
    List<String> ids = new ArrayList<>();
    try {
      synchronized (reads) {
        try (PreparedStatement statement = reads.prepareStatement(Sql.EXPIRED_JOBS)) {
          statement.setLong(1, finishedBefore);
          statement.setInt(2, keep);
          statement.setInt(3, batch);
          try (ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
              ids.add(rows.getString(1));
            }
          }
        }
      }
    } catch (SQLException e) {
      throw classify(e, directory);
    }
    return ids;
  }

  /** Every counter kept, by name. */
  public Map<String, Long> counters() {
    Map<String, Long> counters = new LinkedHashMap<>();
    query("SELECT name, value FROM counters", rows -> counters.put(rows.getString(1), rows.getLong(2)));
    return counters;
  }

  /** The group limits kept, by group. */
  public Map<String, Integer> limits() {
    Map<String, Integer> limits = new LinkedHashMap<>();
    query("SELECT group_name, running FROM group_limits ORDER BY group_name",
        rows -> limits.put(rows.getString(1), rows.getInt(2)));
    return limits;
  }

  /** The connections kept, oldest first: each one's document, as {@link #keepConnection} was given it. */
  public List<Map<String, Object>> connections() {
    List<Map<String, Object>> connections = new ArrayList<>();
    query("SELECT document FROM connections ORDER BY created_at, name",
        rows -> connections.add(Json.parseObject(rows.getString(1).getBytes(java.nio.charset.StandardCharsets.UTF_8), 2)));
    return connections;
  }

  /** Keeps a connection made through the admin API, to be made again after a restart; waits until it is on disk. */
  public void keepConnection(String name, Map<String, Object> document) {
    awaitWritten(writer.submit(new StoreChange.ConnectionRow(name, Json.toString(document), System.currentTimeMillis())));
  }

  /** Forgets a kept connection; waits until that is on disk. */
  public void forgetConnection(String name) {
    awaitWritten(writer.submit(new StoreChange.ConnectionDeleted(name)));
  }

  /** Keeps a group's limit (null: removed); waits until it is on disk. */
  public void keepLimit(String group, Integer running) {
    StoreChange change = running == null ? new StoreChange.LimitDeleted(group) : new StoreChange.LimitRow(group, running);
    awaitWritten(writer.submit(change));
  }

  /**
   * For tests of a store that cannot write: {@code true} caps the database at the pages it has now
   * (SQLite's {@code max_page_count}, a setting of the writer's connection that the file does not
   * keep), so that every transaction that needs one more page fails with {@code SQLITE_FULL}, as on
   * a full disk, and is tried again as any failed write; {@code false} lifts the cap. The master
   * never calls it; tests of other packages reach it through {@code StoreFaults}.
   */
  void capPages(boolean capped) {
    // From the caller's thread, not the writer's: the driver serialises the calls on a connection,
    // and the cap only bounds the next page a transaction asks for, whenever that comes.
    try (Statement pragma = writes.createStatement()) {
      long pages = UNCAPPED_PAGES;
      if (capped) {
        try (ResultSet count = pragma.executeQuery("PRAGMA page_count")) {
          count.next();
          pages = count.getLong(1);
        }
      }
      pragma.execute("PRAGMA max_page_count = " + pages);
    } catch (SQLException e) {
      throw classify(e, directory);
    }
  }

  /** Writes what is pending, then closes the database and releases the directory. */
  @Override
  public void close() {
    writer.close(WRITE_WAIT);
    closeQuietly(reads);
    closeQuietly(writes);
    try {
      lock.release();
    } catch (IOException e) {
      log.debug("Store: releasing the lock: {}", e.toString());
    }
    closeQuietly(lockChannel);
  }

  private interface RowReader {
    void read(ResultSet rows) throws SQLException;
  }

  private void query(String sql, RowReader reader) {
    try {
      synchronized (reads) {
        try (Statement statement = reads.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
          while (rows.next()) {
            reader.read(rows);
          }
        }
      }
    } catch (SQLException e) {
      throw classify(e, directory);
    }
  }

  private static void makeOwnerOnly(Path dir) {
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      if (!Files.isWritable(dir)) {
        throw new AccessDeniedException(dir.toString());
      }
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: its own permissions apply.
    } catch (FileSystemException e) {
      throw new StoreException(StoreException.Kind.UNWRITABLE, "cannot make or write the data directory " + dir
          + ": " + (e.getReason() == null ? e.getClass().getSimpleName() : e.getReason()), e);
    } catch (IOException e) {
      throw new StoreException(StoreException.Kind.UNWRITABLE, "cannot make the data directory " + dir + ": " + e, e);
    }
  }

  /** A store written by a newer Taskwire is left as it is: migrating it down would lose what it knows. */
  private static void checkSchemaNotNewer(Connection connection, Path dir) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet tables = statement.executeQuery(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'flyway_schema_history'")) {
      if (!tables.next() || tables.getInt(1) == 0) {
        return; // a new store
      }
    }
    int newest = 0;
    try (Statement statement = connection.createStatement();
        ResultSet versions = statement.executeQuery("SELECT version FROM flyway_schema_history WHERE success = 1")) {
      while (versions.next()) {
        String version = versions.getString(1);
        if (version != null && version.matches("\\d{1,9}")) {
          newest = Math.max(newest, Integer.parseInt(version));
        }
      }
    }
    if (newest > SCHEMA_VERSION) {
      throw new StoreException(StoreException.Kind.TOO_NEW, "the store in " + dir + " has schema version " + newest
          + ", newer than this program's " + SCHEMA_VERSION + ": run the Taskwire that wrote it");
    }
  }

  private static void migrate(String url, Path dir) {
    Flyway.configure()
        .dataSource(url, null, null)
        .locations("classpath:db/taskwire")
        .mixed(true)
        .load()
        .migrate();
  }

  private static String identity(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT id FROM master_identity")) {
      if (rows.next()) {
        return rows.getString(1);
      }
    }
    byte[] random = new byte[16];
    new SecureRandom().nextBytes(random);
    String id = HexFormat.of().formatHex(random);
    Sql.update(connection, "INSERT INTO master_identity (id, created_at) VALUES (?, ?)", id, System.currentTimeMillis());
    return id;
  }

  /** The kind of an SQL or migration failure: a file that is not a database, a full or read-only disk, or other. */
  static StoreException classify(Exception e, Path dir) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof SQLiteException sqlite) {
        SQLiteErrorCode code = sqlite.getResultCode();
        int primary = code.code & 0xff;
        if (primary == SQLiteErrorCode.SQLITE_NOTADB.code || primary == SQLiteErrorCode.SQLITE_CORRUPT.code) {
          return new StoreException(StoreException.Kind.CORRUPT, "the store " + dir.resolve(DATABASE_FILE)
              + " is not a database or is damaged (" + code.name() + ")", e);
        }
        if (primary == SQLiteErrorCode.SQLITE_FULL.code || primary == SQLiteErrorCode.SQLITE_READONLY.code
            || primary == SQLiteErrorCode.SQLITE_CANTOPEN.code || primary == SQLiteErrorCode.SQLITE_IOERR.code) {
          return new StoreException(StoreException.Kind.UNWRITABLE, "the store " + dir.resolve(DATABASE_FILE)
              + " cannot be written (" + code.name() + ")", e);
        }
      }
    }
    return new StoreException(StoreException.Kind.CORRUPT, "the store in " + dir + " cannot be read: " + e.getMessage(), e);
  }

  private static void closeQuietly(AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception e) {
      log.debug("Store: closing {}: {}", closeable, e.toString());
    }
  }
}
