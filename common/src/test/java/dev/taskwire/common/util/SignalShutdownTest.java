package dev.taskwire.common.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.testing.Servers;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The signal hook with a recording halt in place of {@link Runtime#halt(int)}, so that the test JVM lives on. */
class SignalShutdownTest {
  @RegisterExtension final Servers servers = new Servers();
  private final CountDownLatch release = new CountDownLatch(1);
  private final CompletableFuture<Integer> halted = new CompletableFuture<>();

  {
    servers.after(release::countDown); // so that no shutdown thread is left behind
  }

  private Thread hook(Runnable shutdown, Duration limit) {
    return SignalShutdown.hook("taskwire-test", shutdown, limit, halted::complete);
  }

  @Test
  @Timeout(10)
  void aShutdownThatNeverEndsIsCutShortByAHaltWith143AfterTheLimit() throws Exception {
    CountDownLatch inShutdown = new CountDownLatch(1);
    Duration limit = Duration.ofMillis(300);
    Thread hook = hook(() -> {
      inShutdown.countDown();
      while (true) {
        try {
          release.await(); // stuck, and deaf to interruption, like a thread that ignores it
          return;
        } catch (InterruptedException ignored) {
          // keep waiting
        }
      }
    }, limit);
    long start = System.nanoTime();
    hook.start();
    assertTrue(inShutdown.await(5, TimeUnit.SECONDS), "the shutdown ran");
    assertEquals(SignalShutdown.FORCED_EXIT_STATUS, halted.get(5, TimeUnit.SECONDS));
    long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(waitedMillis >= limit.toMillis(), "halted only after the limit, not after " + waitedMillis + " ms");
    hook.join(5_000);
    assertFalse(hook.isAlive(), "the hook returns once it has halted");
    assertEquals(143, SignalShutdown.FORCED_EXIT_STATUS);
  }

  @Test
  @Timeout(10)
  void aShutdownThatFinishesInTimeIsNotHalted() throws Exception {
    CountDownLatch done = new CountDownLatch(1);
    Thread hook = hook(done::countDown, Duration.ofSeconds(30));
    long start = System.nanoTime();
    hook.start();
    hook.join(5_000);
    assertFalse(hook.isAlive(), "the hook returns as soon as the shutdown has finished");
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "not kept waiting for the limit");
    assertEquals(0, done.getCount());
    assertFalse(halted.isDone(), "no halt");
  }

  @Test
  @Timeout(10)
  void aShutdownThatThrowsEndsTheHookWithoutAHalt() throws Exception {
    Thread hook = hook(() -> {
      throw new IllegalStateException("broken shutdown");
    }, Duration.ofSeconds(30));
    hook.start();
    hook.join(5_000);
    assertFalse(hook.isAlive());
    assertFalse(halted.isDone(), "no halt");
  }

  @Test
  void theShutdownRunsOnAThreadOfItsOwnNamedAfterTheProcess() throws Exception {
    CompletableFuture<String> thread = new CompletableFuture<>();
    Thread hook = hook(() -> thread.complete(Thread.currentThread().getName()), Duration.ofSeconds(30));
    assertEquals("taskwire-test-signal", hook.getName());
    hook.start();
    assertEquals("taskwire-test-signal-shutdown", thread.get(5, TimeUnit.SECONDS));
    hook.join(5_000);
  }

  @Test
  void aLimitOfZeroOrLessIsRefused() {
    IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> hook(() -> {}, Duration.ZERO));
    assertEquals("limit <= 0: PT0S", zero.getMessage());
    IllegalArgumentException negative =
        assertThrows(IllegalArgumentException.class, () -> hook(() -> {}, Duration.ofSeconds(-1)));
    assertEquals("limit <= 0: PT-1S", negative.getMessage());
    NullPointerException noShutdown = assertThrows(NullPointerException.class, () -> hook(null, Duration.ofSeconds(1)));
    assertEquals("shutdown == null", noShutdown.getMessage());
  }
}
