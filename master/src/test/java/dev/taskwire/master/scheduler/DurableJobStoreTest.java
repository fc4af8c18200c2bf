package dev.taskwire.master.scheduler;

import dev.taskwire.master.store.EmbeddedStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/** The {@link JobStoreContract} for the store on disk (an {@link EmbeddedStore} in a directory of its own). */
class DurableJobStoreTest extends JobStoreContract {
  // Not initialised here: the contract makes its store while this class's fields are not yet set.
  private List<EmbeddedStore> opened;

  @Override
  JobStore newStore(int history) {
    if (opened == null) {
      opened = new ArrayList<>();
    }
    try {
      EmbeddedStore disk = EmbeddedStore.open(Files.createTempDirectory("taskwire-store-test"));
      opened.add(disk);
      DurableJobStore store = new DurableJobStore(disk, history, Duration.ofDays(7));
      store.restore();
      return store;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  JobStore reopen(JobStore store, int history) {
    DurableJobStore durable = (DurableJobStore) store;
    durable.awaitStored(durable.ticket());
    EmbeddedStore disk = opened.remove(opened.size() - 1);
    java.nio.file.Path directory = disk.directory();
    disk.close();
    EmbeddedStore again = EmbeddedStore.open(directory);
    opened.add(again);
    DurableJobStore reopened = new DurableJobStore(again, history, Duration.ofDays(7));
    reopened.restore();
    return reopened;
  }

  @Override
  boolean keepsJobsAtClose() {
    return true;
  }

  @AfterEach
  void closeStores() {
    opened.forEach(EmbeddedStore::close);
  }
}
