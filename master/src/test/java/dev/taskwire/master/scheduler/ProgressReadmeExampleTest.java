package dev.taskwire.master.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.testing.DocBlocks;
import dev.taskwire.common.testing.JavaExamples;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Compiles the progress-and-lease example of docs/scheduler.md exactly as printed and runs it (a
 * slave and a master in one program): progress lines in order, at most one per 100 ms, then the
 * result.
 */
class ProgressReadmeExampleTest {
  @Test
  void theJobReportsItsProgressInOrderThenItsResult() throws Exception {
    Class<?> example = JavaExamples.compile(DocBlocks.javaClass("docs/scheduler.md", "ProgressAndLease"));

    List<String> printed = JavaExamples.runMain(example);

    assertEquals("{steps=20}", printed.get(printed.size() - 1), printed::toString);
    List<String> progress = printed.subList(0, printed.size() - 1);
    assertTrue(!progress.isEmpty() && progress.size() <= 20, printed::toString);
    int last = 0;
    for (String line : progress) {
      assertTrue(line.endsWith("/20"), line);
      int done = Integer.parseInt(line.substring(0, line.indexOf('/')));
      assertTrue(done > last, () -> "in order: " + printed);
      last = done;
    }
  }
}
