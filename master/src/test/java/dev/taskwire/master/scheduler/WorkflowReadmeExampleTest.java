package dev.taskwire.master.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.taskwire.common.testing.DocBlocks;
import dev.taskwire.common.testing.JavaExamples;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.slave.Slave;
import dev.taskwire.slave.TestSlaves;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Compiles the workflow example of docs/scheduler.md exactly as printed and runs it against a real
 * slave with the demo processor: it prints the lines the page shows under it (and in its comments).
 */
class WorkflowReadmeExampleTest {
  @RegisterExtension final Servers servers = new Servers();

  @Test
  void theWorkflowNestsCombinesAndFailsDownstreamAsThePageShows() throws Exception {
    Slave slave = servers.start(TestSlaves.loopback().slots(2).build().start());
    DocBlocks.Block block = DocBlocks.javaClass("docs/scheduler.md", "Workflow");

    List<String> printed = JavaExamples.runMain(JavaExamples.compile(block), String.valueOf(slave.port()));

    assertEquals(List.of("{a={sum=3}, b={sum=30}}", "{total=33}", "{sum=33}", "FAILED UPSTREAM_FAILED"), printed,
        "upstream results nested in the order given");
    assertEquals(DocBlocks.next(block).text().lines().toList(), printed);
  }
}
