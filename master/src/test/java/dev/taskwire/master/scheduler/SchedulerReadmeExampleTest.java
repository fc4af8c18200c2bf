package dev.taskwire.master.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.taskwire.common.testing.DocBlocks;
import dev.taskwire.common.testing.JavaExamples;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.slave.Slave;
import dev.taskwire.slave.TestSlaves;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Compiles the job-options example of docs/scheduler.md exactly as printed and runs it against a
 * real slave with the label gpu.
 */
class SchedulerReadmeExampleTest {
  @RegisterExtension final Servers servers = new Servers();

  @Test
  void theTrainingJobsRunOnTheGpuSlaveOnceEach() throws Exception {
    Slave slave = servers.start(TestSlaves.loopback().slots(2).labels(List.of("gpu")).build().start());
    Class<?> example = JavaExamples.compile(DocBlocks.javaClass("docs/scheduler.md", "TrainingJobs"));

    List<String> printed = new ArrayList<>(JavaExamples.runMain(example, String.valueOf(slave.port())));

    printed.sort(null); // callbacks and the joining thread print in an order the threads decide
    assertEquals(List.of("1 + 10 = 11", "2 + 10 = 12", "3 + 10 = 13",
        "COMPLETED after 1 attempt(s) on gpu-1", "COMPLETED after 1 attempt(s) on gpu-1", "COMPLETED after 1 attempt(s) on gpu-1"),
        printed);
  }
}
