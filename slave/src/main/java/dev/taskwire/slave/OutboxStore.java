package dev.taskwire.slave;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Where the {@link Outbox} keeps its results: the storage part, with no rules of its own (the
 * outbox's bounds, order and logging are the same whatever the store). {@link #MEMORY} keeps
 * nothing beyond the outbox's own map; {@link DirectoryOutboxStore} keeps one file per result, so
 * that they outlive the slave's process.
 */
interface OutboxStore {
  /** Keeps nothing: results live in the outbox's memory and end with the process. */
  OutboxStore MEMORY = new OutboxStore() {
    @Override
    public List<HeldResult> load() {
      return List.of();
    }

    @Override
    public HeldResult save(HeldResult held) {
      return held;
    }

    @Override
    public Map<String, Object> read(HeldResult held) {
      return held.result();
    }

    @Override
    public void delete(HeldResult held) {}

    @Override
    public String toString() {
      return "memory";
    }
  };

  /**
   * Every result the store holds, each with its result or without it ({@link HeldResult#result()}
   * null, then read by {@link #read}), in no particular order. What cannot be read is set aside
   * and logged, never thrown.
   *
   * @throws IOException if the store itself cannot be used (its directory cannot be made or listed)
   */
  List<HeldResult> load() throws IOException;

  /**
   * Stores {@code held} durably, replacing a result of the same master id and task id; returns
   * what the outbox keeps in memory: {@code held} itself, or without its result.
   *
   * @throws IOException if it could not be stored; nothing is then half-written
   */
  HeldResult save(HeldResult held) throws IOException;

  /** The result of {@code held}; null if the store no longer has it. */
  Map<String, Object> read(HeldResult held) throws IOException;

  /** Forgets {@code held}; nothing happens if the store has no such result. */
  void delete(HeldResult held) throws IOException;
}
