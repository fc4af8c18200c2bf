package dev.taskwire.slave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * What every {@link OutboxStore} gives the {@link Outbox} alike (STYLE.md: contract tests run
 * against every store): results kept per master id, oldest first, and the two bounds, each drop
 * logged with its task id. A subclass names its store.
 */
@Isolated // it reads the log from System.err
abstract class OutboxContract {
  protected final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
  private final CapturedLog log = CapturedLog.start();

  /** A fresh store of the kind under test; called again for a second outbox on the same storage. */
  protected abstract OutboxStore store();

  protected Outbox outbox(int max, Duration maxAge) throws Exception {
    Outbox outbox = new Outbox(store(), max, maxAge, clock);
    outbox.load();
    return outbox;
  }

  @AfterEach
  void stopCapturing() {
    log.close();
  }

  @Test
  void resultsAreHeldPerMasterIdOldestFirstWithTheirResult() throws Exception {
    Outbox outbox = outbox(10, Duration.ofHours(1));
    outbox.put("m-1", "t-1", true, Map.of("sum", 1));
    clock.advance(Duration.ofSeconds(1));
    outbox.put("m-2", "t-2", false, Map.of("error", "x"));
    clock.advance(Duration.ofSeconds(1));
    outbox.put("m-1", "t-3", true, Map.of("sum", 3));
    assertEquals(List.of("t-1", "t-3"), outbox.taskIds("m-1"));
    assertEquals(List.of("t-2"), outbox.taskIds("m-2"));
    assertTrue(outbox.holds("m-2"));
    assertFalse(outbox.holds("m-3"));
    HeldResult failed = outbox.held("m-2").get(0);
    assertFalse(failed.completed());
    assertEquals(Map.of("error", "x"), outbox.result(failed));
    assertEquals(Instant.parse("2030-01-01T00:00:01Z"), failed.heldAt());
    assertEquals(3, outbox.size());
  }

  @Test
  void aRemovedResultIsGoneAndARepeatedTaskIdReplacesTheOlderResult() throws Exception {
    Outbox outbox = outbox(10, Duration.ofHours(1));
    outbox.put("m-1", "t-1", true, Map.of("v", 1));
    HeldResult first = outbox.held("m-1").get(0);
    outbox.put("m-1", "t-1", true, Map.of("v", 2));
    outbox.remove(first); // the older one: the newer stays
    assertEquals(1, outbox.size());
    HeldResult second = outbox.held("m-1").get(0);
    assertEquals(Map.of("v", 2), outbox.result(second));
    outbox.remove(second);
    assertEquals(List.of(), outbox.held("m-1"));
    assertEquals(0, outbox.size());
  }

  @Test
  void overItsMaximumTheOldestResultIsDroppedAndLoggedWithItsTaskId() throws Exception {
    Outbox outbox = outbox(2, Duration.ofHours(1));
    outbox.put("m-1", "oldest", true, Map.of());
    clock.advance(Duration.ofSeconds(1));
    outbox.put("m-2", "middle", true, Map.of());
    clock.advance(Duration.ofSeconds(1));
    outbox.put("m-1", "newest", false, Map.of());
    assertEquals(List.of("newest"), outbox.taskIds("m-1"));
    assertEquals(List.of("middle"), outbox.taskIds("m-2"));
    String line = log.awaitLine("WARN", "task oldest", "master id m-1");
    assertTrue(line.contains("the outbox holds at most 2 results (--outbox-max)"), line);
  }

  @Test
  void pastItsMaximumAgeAResultIsDroppedAndLoggedWithItsTaskId() throws Exception {
    Outbox outbox = outbox(10, Duration.ofHours(24));
    outbox.put("m-1", "old", true, Map.of());
    clock.advance(Duration.ofHours(23));
    outbox.put("m-1", "young", true, Map.of());
    clock.advance(Duration.ofHours(1).plusSeconds(1)); // "old" is 24 h 1 s old, "young" 1 h 1 s
    outbox.expire();
    assertEquals(List.of("young"), outbox.taskIds("m-1"));
    String line = log.awaitLine("WARN", "task old ", "master id m-1");
    assertTrue(line.contains("held longer than 24h (--outbox-max-age)"), line);
    clock.advance(Duration.ofHours(23));
    assertEquals(List.of(), outbox.taskIds("m-1"), "expired as soon as it is asked for, sweep or not");
  }
}
