package dev.taskwire.common.util;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void aBackoffDoublesUpToItsCapAndStaysThere() {
    Duration cap = Duration.ofSeconds(30);
    assertEquals(Duration.ofSeconds(2), Durations.doubledUpTo(Duration.ofSeconds(1), cap));
    assertEquals(cap, Durations.doubledUpTo(Duration.ofSeconds(16), cap));
    assertEquals(cap, Durations.doubledUpTo(cap, cap));
    assertEquals(Duration.ZERO, Durations.doubledUpTo(Duration.ZERO, cap));
  }

  @Test
  void aDurationIsWrittenAsItIsRead() {
    assertEquals("200ms", Durations.format(Durations.parse("200ms")));
    assertEquals("1.5s", Durations.format(Durations.parse("1.5s")));
  }
}
