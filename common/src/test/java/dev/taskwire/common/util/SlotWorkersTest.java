package dev.taskwire.common.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SlotWorkersTest {
  @Test
  void everyItemRunsOnceAndEverySlotWorksAtOnce() throws Exception {
    Set<Integer> seen = ConcurrentHashMap.newKeySet();
    AtomicInteger running = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    // The first 4 items meet at a barrier: it only opens if all 4 slots run at once.
    CyclicBarrier allSlots = new CyclicBarrier(4);
    SlotWorkers.run("test-slot", 4, 1_000, (slot, item) -> {
      int now = running.incrementAndGet();
      most.accumulateAndGet(now, Math::max);
      if (item < 4) {
        allSlots.await(10, TimeUnit.SECONDS);
      }
      assertTrue(seen.add(item), "item " + item + " ran twice");
      running.decrementAndGet();
    });
    assertEquals(1_000, seen.size());
    assertEquals(4, most.get(), "never more than the slots at once");
  }

  @Test
  void theFirstFailureStopsNewItemsAndIsRethrown() {
    IllegalStateException boom = new IllegalStateException("boom");
    AtomicInteger ran = new AtomicInteger();
    Exception thrown = assertThrows(IllegalStateException.class, () -> SlotWorkers.run("test-slot", 1, 100, (slot, item) -> {
      ran.incrementAndGet();
      if (item == 3) {
        throw boom;
      }
    }));
    assertSame(boom, thrown);
    assertEquals(4, ran.get(), "no item after the failure");
  }

  @Test
  void noSlotIsAUsageError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SlotWorkers.run("x", 0, 1, (s, i) -> {}));
    assertEquals("slots < 1: 0", e.getMessage());
  }
}
