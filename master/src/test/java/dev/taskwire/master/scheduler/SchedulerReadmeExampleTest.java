package dev.taskwire.master.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.taskwire.common.testing.Ports;
import dev.taskwire.common.testing.ReadmeBlocks;
import dev.taskwire.master.Master;
import dev.taskwire.master.TaskFailure;
import dev.taskwire.slave.Slave;
import dev.taskwire.slave.TestSlaves;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Runs the README's scheduler example against a real slave with the label gpu, and checks the README shows it as written here. */
class SchedulerReadmeExampleTest {
  private final List<Object> printed = new CopyOnWriteArrayList<>();

  private void println(Object line) {
    printed.add(line);
  }

  void example(int port, String myAddress, String slaveHost, int slavePort) throws Exception {
    // README-BEGIN
    try (Master master = Master.builder().port(port).myAddress(myAddress).build().start()) {
      master.newConnection("gpu-1", slaveHost, slavePort).connect(); // a slave started with --label gpu
      Scheduler scheduler = master.scheduler();
      JobOptions training = JobOptions.builder()
          .priority(10).group("training").labels("gpu")          // who goes first, shares with whom, runs where
          .retryOn(TaskFailure.Reason.SLAVE_FAILED).maxAttempts(5) // a lost slave is always retried
          .backoff(new Backoff(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(30)))
          .deadline(Duration.ofMinutes(10))
          .build();
      List<Job> jobs = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        jobs.add(scheduler.submit(Map.of("a", i, "b", 10), training)
            .onComplete((data, result) -> println(data.get("a") + " + 10 = " + result.get("sum"))));
      }
      for (Job job : jobs) {
        job.join(Duration.ofMinutes(1));
        println(job.status() + " after " + job.attempts().size() + " attempt(s) on " + job.attempts().get(0).connection());
      }
    }
    // README-END
  }

  @Test
  void exampleRunsAgainstARealSlave() throws Exception {
    try (Slave slave = TestSlaves.loopback().slots(2).labels(List.of("gpu")).build().start()) {
      int port = Ports.free();
      example(port, "http://127.0.0.1:" + port, "127.0.0.1", slave.port());
    }
    List<Object> sorted = new ArrayList<>(printed);
    sorted.sort((a, b) -> a.toString().compareTo(b.toString()));
    assertEquals(List.of("1 + 10 = 11", "2 + 10 = 12", "3 + 10 = 13",
        "COMPLETED after 1 attempt(s) on gpu-1", "COMPLETED after 1 attempt(s) on gpu-1", "COMPLETED after 1 attempt(s) on gpu-1"),
        sorted);
  }

  @Test
  void readmeShowsTheExampleAsWrittenHere() throws Exception {
    ReadmeBlocks.assertReadmeShows(
        Path.of("src/test/java/dev/taskwire/master/scheduler/SchedulerReadmeExampleTest.java"), Path.of("../README.md"));
  }
}
