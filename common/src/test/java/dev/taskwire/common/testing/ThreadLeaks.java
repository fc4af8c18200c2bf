package dev.taskwire.common.testing;

import java.time.Duration;
import java.util.List;

/** Checks that a server, once closed, left none of its threads behind. */
public final class ThreadLeaks {
  private ThreadLeaks() {}

  /** The live threads whose names start with {@code prefix}. */
  public static List<String> alive(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith(prefix))
        .map(Thread::getName).sorted().toList();
  }

  /** Waits up to 10 s for every thread named {@code prefix...} to end; fails naming those left. */
  public static void assertNoneLeft(String prefix) {
    Await.until(Duration.ofSeconds(10), () -> "threads left: " + alive(prefix), () -> alive(prefix).isEmpty());
  }
}
