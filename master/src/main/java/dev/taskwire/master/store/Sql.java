package dev.taskwire.master.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The store's statements, in SQL that SQLite and PostgreSQL both take ({@code INSERT ... ON
 * CONFLICT ... DO UPDATE}), in one place.
 */
final class Sql {
  static final String PUT_JOB = "INSERT INTO jobs (id, seq, status, submitted_at, finished_at, document)"
      + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, status = excluded.status,"
      + " submitted_at = excluded.submitted_at, finished_at = excluded.finished_at, document = excluded.document";
  static final String DELETE_JOB = "DELETE FROM jobs WHERE id = ?";
  static final String PUT_CONNECTION = "INSERT INTO connections (name, document, created_at) VALUES (?, ?, ?)"
      + " ON CONFLICT (name) DO UPDATE SET document = excluded.document, created_at = excluded.created_at";
  static final String DELETE_CONNECTION = "DELETE FROM connections WHERE name = ?";
  static final String PUT_LIMIT = "INSERT INTO group_limits (group_name, running) VALUES (?, ?)"
      + " ON CONFLICT (group_name) DO UPDATE SET running = excluded.running";
  static final String DELETE_LIMIT = "DELETE FROM group_limits WHERE group_name = ?";
  static final String PUT_COUNTER = "INSERT INTO counters (name, value) VALUES (?, ?)"
      + " ON CONFLICT (name) DO UPDATE SET value = excluded.value";
  /** Jobs not final, oldest first, then final ones newest first: the order a restart reads them in. */
  static final String UNFINISHED_JOBS = "SELECT document FROM jobs"
      + " WHERE status NOT IN ('COMPLETED', 'FAILED', 'CANCELLED') ORDER BY seq";
  static final String NEWEST_FINAL_JOBS = "SELECT document FROM jobs"
      + " WHERE status IN ('COMPLETED', 'FAILED', 'CANCELLED') AND finished_at >= ? ORDER BY finished_at DESC, seq DESC LIMIT ?";
  /** Final jobs past the retention, or past the history's count: up to a batch of them. */
  static final String EXPIRED_JOBS = "SELECT id FROM jobs WHERE status IN ('COMPLETED', 'FAILED', 'CANCELLED')"
      + " AND (finished_at < ? OR id NOT IN (SELECT id FROM jobs WHERE status IN ('COMPLETED', 'FAILED', 'CANCELLED')"
      + " ORDER BY finished_at DESC, seq DESC LIMIT ?)) LIMIT ?";

  private Sql() {}

  static int update(Connection connection, String sql, Object... values) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < values.length; i++) {
        statement.setObject(i + 1, values[i]);
      }
      return statement.executeUpdate();
    }
  }
}
