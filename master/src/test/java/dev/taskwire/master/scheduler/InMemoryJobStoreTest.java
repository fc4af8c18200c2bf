package dev.taskwire.master.scheduler;

/** The {@link JobStoreContract} for the store in memory. */
class InMemoryJobStoreTest extends JobStoreContract {
  @Override
  JobStore newStore(int history) {
    return new InMemoryJobStore(history);
  }
}
