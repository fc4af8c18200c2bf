package dev.taskwire.master;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.taskwire.common.testing.DocBlocks;
import dev.taskwire.common.testing.JavaExamples;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.slave.Slave;
import dev.taskwire.slave.TestSlaves;
import dev.taskwire.slave.processor.DemoProcessor;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Compiles the example of docs/java-api.md exactly as printed and runs it against a real slave with
 * the demo processor: it prints the output the page shows under it, and its before-new-task hook
 * stamped what the slave received.
 */
class JavaApiDocExampleTest {
  @RegisterExtension final Servers servers = new Servers();

  @Test
  void theHooksExampleStampsEveryTaskAndTimesOutTheSlowOne() throws Exception {
    List<Map<String, Object>> received = new CopyOnWriteArrayList<>();
    DemoProcessor demo = new DemoProcessor();
    Slave slave = servers.start(TestSlaves.loopback().processor((task, data) -> {
      received.add(data);
      return demo.process(task, data);
    }).build().start());
    DocBlocks.Block block = DocBlocks.javaClass("docs/java-api.md", "HooksAndTimeouts");

    List<String> printed = JavaExamples.runMain(JavaExamples.compile(block), String.valueOf(slave.port()));

    assertEquals(DocBlocks.next(block).text().lines().toList(), printed);
    assertEquals(List.of("hooks-example", "hooks-example"), received.stream().map(data -> data.get("sentBy")).toList());
  }
}
