package dev.taskwire.master.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.testing.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening the store: what it keeps across a reopen, and each reason it refuses to open. */
class EmbeddedStoreTest {
  @TempDir Path dir;

  @Test
  void theMasterIdLimitsAndConnectionsOutliveTheStoreThatWroteThem() throws Exception {
    Path data = dir.resolve("data");
    String id;
    try (EmbeddedStore store = EmbeddedStore.open(data)) {
      id = store.masterId();
      store.keepLimit("gpu", 2);
      store.keepLimit("cpu", 5);
      store.keepLimit("cpu", null);
      store.keepConnection("s1", Map.of("name", "s1", "host", "127.0.0.1", "port", 7236));
      store.keepConnection("s2", Map.of("name", "s2", "host", "127.0.0.1", "port", 7237));
      store.forgetConnection("s1");
    }
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data)));
    try (EmbeddedStore store = EmbeddedStore.open(data)) {
      assertEquals(id, store.masterId());
      assertEquals(32, id.length());
      assertEquals(Map.of("gpu", 2), store.limits());
      assertEquals(List.of(Map.of("name", "s2", "host", "127.0.0.1", "port", 7237)), store.connections());
    }
  }

  @Test
  void aDirectoryInUseByAnotherMasterIsRefused() {
    try (EmbeddedStore first = EmbeddedStore.open(dir)) {
      StoreException locked = assertThrows(StoreException.class, () -> EmbeddedStore.open(dir));
      assertEquals(StoreException.Kind.LOCKED, locked.kind());
      assertEquals(20, locked.kind().exitCode());
      assertTrue(locked.getMessage().contains("in use by another running master"), locked.getMessage());
    }
    EmbeddedStore.open(dir).close(); // released with the first
  }

  @Test
  void aFileThatIsNotADatabaseIsRefusedAsCorrupt() throws Exception {
    Files.writeString(dir.resolve(EmbeddedStore.DATABASE_FILE), "this is not SQLite ".repeat(400), StandardCharsets.UTF_8);
    StoreException corrupt = assertThrows(StoreException.class, () -> EmbeddedStore.open(dir));
    assertEquals(StoreException.Kind.CORRUPT, corrupt.kind());
    assertEquals(21, corrupt.kind().exitCode());
  }

  @Test
  void aStoreWrittenByANewerTaskwireIsLeftAlone() throws Exception {
    EmbeddedStore.open(dir).close();
    try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(EmbeddedStore.DATABASE_FILE));
        Statement sql = db.createStatement()) {
      sql.executeUpdate("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,"
          + " checksum, installed_by, execution_time, success) VALUES (2, '2', 'later', 'SQL', 'V2__later.sql', 0, 'x', 0, 1)");
    }
    StoreException tooNew = assertThrows(StoreException.class, () -> EmbeddedStore.open(dir));
    assertEquals(StoreException.Kind.TOO_NEW, tooNew.kind());
    assertEquals(22, tooNew.kind().exitCode());
    assertTrue(tooNew.getMessage().contains("schema version 2, newer than this program's 1"), tooNew.getMessage());
  }

  @Test
  void aDirectoryThatCannotBeMadeIsRefusedAsUnwritable() throws Exception {
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    StoreException unwritable = assertThrows(StoreException.class, () -> EmbeddedStore.open(file.resolve("data")));
    assertEquals(StoreException.Kind.UNWRITABLE, unwritable.kind());
    assertEquals(23, unwritable.kind().exitCode());
  }

  @Test
  void aWriteToAFullDiskFailsWithSqliteFullAndIsWrittenOnceThereIsRoom() throws Exception {
    Map<String, Object> large = Map.of("name", "big", "pad", "x".repeat(64 * 1024));
    try (EmbeddedStore store = EmbeddedStore.open(dir)) {
      store.keepLimit("gpu", 2);
      StoreFaults.fill(store);
      StoreException full = assertThrows(StoreException.class, () -> store.keepConnection("big", large));
      assertEquals(StoreException.Kind.WRITE_FAILED, full.kind());
      // SQLite rolled the transaction back itself: the failure says why, not that there was nothing to roll back.
      assertTrue(full.getMessage().contains("SQLITE_FULL"), full.getMessage());
      assertTrue(store.failure().getMessage().contains("SQLITE_FULL"), store.failure().getMessage());

      StoreFaults.free(store);
      Await.until(Duration.ofSeconds(20), "the kept change is written", () -> store.failure() == null);
      store.awaitWritten();
    }
    try (EmbeddedStore store = EmbeddedStore.open(dir)) {
      assertEquals(Map.of("gpu", 2), store.limits());
      assertEquals(List.of(large), store.connections());
    }
  }

  @Test
  void groupCommitWritesWhatArrivesWhileItCommitsInOneTransaction() throws Exception {
    try (EmbeddedStore store = EmbeddedStore.open(dir)) {
      GroupCommit writer = store.writer();
      long last = 0;
      for (int i = 0; i < 2_000; i++) {
        last = writer.submit(new StoreChange.Counter("c" + (i % 10), i));
      }
      writer.await(last, java.time.Duration.ofSeconds(30));
      long[] counts = writer.counts();
      assertTrue(counts[0] < 2_000, "transactions " + counts[0] + " for 2,000 changes");
      assertTrue(counts[1] < 2_000, "rows " + counts[1] + ": a row changed again before it was written is written once");
      assertEquals(1_999L, store.counters().get("c9"));
      assertNotNull(store.counters().get("c0"));
    }
  }

  @Test
  void finalJobsPastTheRetentionOrTheHistoryAreFoundForTheSweepNeverOnesNotFinal() {
    try (EmbeddedStore store = EmbeddedStore.open(dir)) {
      List<StoreChange> rows = new java.util.ArrayList<>();
      for (int i = 1; i <= 5; i++) {
        rows.add(new StoreChange.JobRow("done-" + i, i, "COMPLETED", i, (long) i * 1000, "{}"));
      }
      rows.add(new StoreChange.JobRow("queued", 6, "QUEUED", 6, null, "{}"));
      rows.add(new StoreChange.JobRow("old-running", 0, "RUNNING", 0, null, "{}"));
      store.awaitWritten(store.writer().submit(rows));

      assertEquals(java.util.Set.of("done-1", "done-2"),
          new java.util.HashSet<>(store.expiredJobs(3_000, 100, 10)), "finished before the retention's start");
      assertEquals(java.util.Set.of("done-1", "done-2", "done-3"),
          new java.util.HashSet<>(store.expiredJobs(0, 2, 10)), "beyond the newest 2");
      assertEquals(1, store.expiredJobs(0, 2, 1).size(), "at most a batch");
    }
  }
}
