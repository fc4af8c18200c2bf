package dev.taskwire.master.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.master.store.EmbeddedStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve} on a data directory it cannot use stops at start, before anything listens, with its
 * reason on one line and the store failure's exit code: another running master's (20), a damaged
 * database (21), one written by a newer Taskwire (22), a directory that cannot be made (23).
 */
class ServeStoreTest {
  @TempDir Path dir;
  private final StringWriter err = new StringWriter();

  private int serve(Path dataDir) {
    String[] args = {"serve", "--host", "127.0.0.1", "--port", "0", "--admin-token-file",
        dir.resolve("token").toString(), "--data-dir", dataDir.toString()};
    return Main.run(args, Map.of(), new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
  }

  private void assertOneLine(String expected) {
    String text = err.toString();
    assertTrue(text.startsWith("taskwire-master serve: cannot start: "), text);
    assertTrue(text.contains(expected), text);
    assertEquals(1, text.lines().count(), text);
  }

  @Test
  void aDirectoryAnotherMasterHoldsStopsServeWith20() {
    Path data = dir.resolve("data");
    try (EmbeddedStore running = EmbeddedStore.open(data)) {
      assertEquals(20, serve(data));
      assertOneLine("is in use by another running master");
    }
  }

  @Test
  void aDamagedDatabaseStopsServeWith21() throws Exception {
    Path data = Files.createDirectories(dir.resolve("data"));
    Files.writeString(data.resolve(EmbeddedStore.DATABASE_FILE), "not a database ".repeat(500), StandardCharsets.UTF_8);
    assertEquals(21, serve(data));
    assertOneLine("is not a database or is damaged");
  }

  @Test
  void aStoreOfANewerTaskwireStopsServeWith22() throws Exception {
    Path data = dir.resolve("data");
    EmbeddedStore.open(data).close();
    try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + data.resolve(EmbeddedStore.DATABASE_FILE));
        Statement sql = db.createStatement()) {
      sql.executeUpdate("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,"
          + " checksum, installed_by, execution_time, success) VALUES (2, '2', 'later', 'SQL', 'V2__later.sql', 0, 'x', 0, 1)");
    }
    assertEquals(22, serve(data));
    assertOneLine("newer than this program's 1");
  }

  @Test
  void aDirectoryThatCannotBeMadeStopsServeWith23() throws Exception {
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    assertEquals(23, serve(file.resolve("data")));
    assertOneLine("cannot make or write the data directory");
  }
}
