package dev.taskwire.common.util;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Keeps every slot busy: runs items {@code 0 .. total-1} on one thread per slot, each slot taking
 * the next item as soon as its last one ended, until none is left. The one place that does this
 * for the demo, the benchmark, {@code submit --file} and the tests, until a scheduler does it
 * for them.
 */
public final class SlotWorkers {
  /** What a slot does with one item; it may block until the item is done. */
  @FunctionalInterface
  public interface Work {
    void run(int slot, int item) throws Exception;
  }

  private SlotWorkers() {}

  /**
   * Runs {@code total} items on {@code slots} threads named {@code name-N}, and returns when every
   * item ran. The first exception a slot throws stops the others from taking new items (those
   * running finish) and is rethrown here; an interrupt of the calling thread interrupts the slots.
   */
  public static void run(String name, int slots, int total, Work work) throws Exception {
    Checks.atLeast("slots", slots, 1);
    AtomicInteger next = new AtomicInteger();
    AtomicReference<Exception> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>(slots);
    for (int slot = 0; slot < slots; slot++) {
      int id = slot;
      Thread thread = new Thread(() -> {
        for (int item = next.getAndIncrement(); item < total && failure.get() == null; item = next.getAndIncrement()) {
          try {
            work.run(id, item);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure.compareAndSet(null, e);
            return;
          } catch (Exception e) {
            failure.compareAndSet(null, e);
            return;
          }
        }
      }, name + "-" + slot);
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
    try {
      for (Thread thread : threads) {
        thread.join();
      }
    } catch (InterruptedException e) {
      threads.forEach(Thread::interrupt);
      throw e;
    }
    if (failure.get() != null) {
      throw failure.get();
    }
  }
}
