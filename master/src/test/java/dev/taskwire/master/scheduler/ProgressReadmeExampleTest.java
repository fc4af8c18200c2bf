package dev.taskwire.master.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.testing.Ports;
import dev.taskwire.common.testing.ReadmeBlocks;
import dev.taskwire.master.Master;
import dev.taskwire.slave.Slave;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Runs the README's progress-and-lease example (a slave and a master in one process), and checks the README shows it as written here. */
class ProgressReadmeExampleTest {
  private final List<Object> printed = new CopyOnWriteArrayList<>();

  private void println(Object line) {
    printed.add(line);
  }

  void example(int port, String myAddress) throws Exception {
    // README-BEGIN
    try (Slave slave = Slave.builder().host("127.0.0.1").port(0).processor((task, data) -> {
          int steps = ((Number) data.get("steps")).intValue();
          for (int step = 1; step <= steps; step++) {
            Thread.sleep(20);                                     // a step of the real work
            task.progress(Map.of("done", step, "total", steps));  // at most one request per 100 ms goes out
          }
          return Map.of("steps", steps);
        }).build().start();
        Master master = Master.builder().port(port).myAddress(myAddress).build().start()) {
      master.newConnection("worker-1", "127.0.0.1", slave.port()).connect();
      Job job = master.scheduler().submit(Map.of("steps", 20), JobOptions.builder()
              .lease(Duration.ofSeconds(5))                       // STALLED (and retried) after 5 s without progress
              .build())
          .onProgress(progress -> println(progress.get("done") + "/" + progress.get("total")));
      println(job.join(Duration.ofMinutes(1)).result());          // {steps=20}, after the progress lines
    }
    // README-END
  }

  @Test
  void exampleRunsWithARealSlave() throws Exception {
    int port = Ports.free();
    example(port, "http://127.0.0.1:" + port);
    assertEquals(Map.of("steps", 20), printed.get(printed.size() - 1));
    List<Object> progress = printed.subList(0, printed.size() - 1);
    assertTrue(!progress.isEmpty() && progress.size() <= 20, printed::toString);
    int last = 0;
    for (Object line : progress) {
      String text = (String) line;
      assertTrue(text.endsWith("/20"), text);
      int done = Integer.parseInt(text.substring(0, text.indexOf('/')));
      assertTrue(done > last, () -> "in order: " + printed);
      last = done;
    }
  }

  @Test
  void readmeShowsTheExampleAsWrittenHere() throws Exception {
    ReadmeBlocks.assertReadmeShows(
        Path.of("src/test/java/dev/taskwire/master/scheduler/ProgressReadmeExampleTest.java"), Path.of("../README.md"));
  }
}
