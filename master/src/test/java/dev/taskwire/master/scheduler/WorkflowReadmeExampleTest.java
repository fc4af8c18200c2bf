package dev.taskwire.master.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.taskwire.common.testing.Ports;
import dev.taskwire.common.testing.ReadmeBlocks;
import dev.taskwire.master.Master;
import dev.taskwire.slave.Slave;
import dev.taskwire.slave.TestSlaves;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Runs the README's workflow example against a real slave with the demo processor, and checks the README shows it as written here. */
class WorkflowReadmeExampleTest {
  private final List<Object> printed = new CopyOnWriteArrayList<>();

  private void println(Object line) {
    printed.add(line);
  }

  void example(int port, String myAddress, String slaveHost, int slavePort) throws Exception {
    // README-BEGIN
    try (Master master = Master.builder().port(port).myAddress(myAddress).build().start()) {
      master.newConnection("worker-1", slaveHost, slavePort).connect(); // the demo processor: {"sum": a + b}
      Scheduler scheduler = master.scheduler();
      Job a = scheduler.submit(Map.of("a", 1, "b", 2), JobOptions.builder().name("a").build());
      Job b = scheduler.submit(Map.of("a", 10, "b", 20), JobOptions.builder().name("b").build());
      // WAITING until a and b completed; then sent with their results nested under "upstream".
      Job nested = scheduler.submit(Map.of("a", 0, "b", 0), JobOptions.builder().after(a, b).build());
      // Combined on the master from both results, in the order given (Dara's MetaTask).
      Job total = scheduler.combine(List.of(a, b), results -> Map.of("total",
          results.stream().mapToInt(result -> ((Number) result.get("sum")).intValue()).sum()));
      // The combination sent to a slave as a job of its own: the slave sums 3 + 30.
      Job resent = scheduler.combineAsTask(List.of(a, b),
          results -> Map.of("a", results.get(0).get("sum"), "b", results.get(1).get("sum")), JobOptions.DEFAULTS);
      // An upstream that fails fails everything after it, once each.
      Job broken = scheduler.submit(Map.of("a", "not a number", "b", 1));
      Job never = scheduler.submit(Map.of("a", 1, "b", 1), JobOptions.builder().after(broken).build());

      println(nested.join(Duration.ofMinutes(1)).sentData().get("upstream")); // {a={sum=3}, b={sum=30}}
      println(total.join(Duration.ofMinutes(1)).result());     // {total=33}
      println(resent.join(Duration.ofMinutes(1)).result());    // {sum=33}
      println(never.join(Duration.ofMinutes(1)).status() + " " + never.failure().reason()); // FAILED UPSTREAM_FAILED
    }
    // README-END
  }

  @Test
  void exampleRunsAgainstARealSlave() throws Exception {
    try (Slave slave = TestSlaves.loopback().slots(2).build().start()) {
      int port = Ports.free();
      example(port, "http://127.0.0.1:" + port, "127.0.0.1", slave.port());
    }
    assertEquals(List.of(Map.of("a", Map.of("sum", 3), "b", Map.of("sum", 30)),
        Map.of("total", 33), Map.of("sum", 33), "FAILED UPSTREAM_FAILED"), printed);
    assertEquals("{a={sum=3}, b={sum=30}}", printed.get(0).toString(), "as the README's comment says: in the order given");
  }

  @Test
  void readmeShowsTheExampleAsWrittenHere() throws Exception {
    ReadmeBlocks.assertReadmeShows(
        Path.of("src/test/java/dev/taskwire/master/scheduler/WorkflowReadmeExampleTest.java"), Path.of("../README.md"));
  }
}
