package dev.taskwire.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.taskwire.common.testing.DocBlocks;
import dev.taskwire.common.testing.JavaExamples;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.slave.Slave;
import dev.taskwire.slave.TestSlaves;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Compiles the README's two Java examples exactly as printed and runs each against a real slave
 * with the demo processor (which sums like the quickstart's {@code sum.sh}); each must print what
 * the README shows under its {@code java -cp ... Example.java}.
 */
class ReadmeExampleTest {
  @RegisterExtension final Servers servers = new Servers();

  @Test
  void theEmbedExampleSendsATaskAndPrintsWhatTheReadmeShows() throws Exception {
    Slave slave = servers.start(TestSlaves.loopback().build().start());
    Class<?> example = JavaExamples.compile(DocBlocks.javaClass("README.md", "EmbedMaster"));

    List<String> printed = JavaExamples.runMain(example, String.valueOf(slave.port()));

    List<String> shown = DocBlocks.outputOf("README.md", "java -cp master/target/taskwire-master.jar EmbedMaster.java");
    assertFalse(shown.isEmpty(), "the README shows what the example prints");
    assertEquals(shown, printed);
    assertSlaveTakesAnotherMaster(slave);
  }

  @Test
  void theSchedulerExampleRunsThreeJobsAndPrintsWhatTheReadmeShows() throws Exception {
    Slave slave = servers.start(TestSlaves.loopback().build().start());
    Class<?> example = JavaExamples.compile(DocBlocks.javaClass("README.md", "SchedulerExample"));

    List<String> printed = JavaExamples.runMain(example, String.valueOf(slave.port()));

    List<String> shown = DocBlocks.outputOf("README.md", "java -cp master/target/taskwire-master.jar SchedulerExample.java");
    assertEquals(3, shown.size(), "one line per job");
    assertEquals(shown, printed);
    assertSlaveTakesAnotherMaster(slave);
  }

  /** The examples close their connection, so the README's next one finds the slave free at once. */
  private void assertSlaveTakesAnotherMaster(Slave slave) throws Exception {
    Master next = servers.start(TestMasters.loopback().build().start());
    SlaveConnection connection = next.newConnection("next", Servers.LOOPBACK, slave.port());
    connection.connect();
    Task task = connection.newTask(Map.of("a", 1, "b", 1)).start().join(Duration.ofSeconds(30));
    assertEquals(Map.of("sum", 2), task.result());
  }
}
