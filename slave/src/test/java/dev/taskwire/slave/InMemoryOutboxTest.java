package dev.taskwire.slave;

/** The outbox's contract in memory (no {@code --outbox-dir}). */
class InMemoryOutboxTest extends OutboxContract {
  @Override
  protected OutboxStore store() {
    return OutboxStore.MEMORY;
  }
}
