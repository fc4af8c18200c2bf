package dev.taskwire.master;

import dev.taskwire.common.testing.ReadmeBlocks;
import dev.taskwire.slave.TestSlaves;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.slave.Slave;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Runs the README's Java API example against a real slave, and checks that the README shows the
 * example exactly as it is written here, so the two cannot drift apart.
 */
class ReadmeExampleTest {
  private final List<Object> printed = new ArrayList<>();

  private void println(Object line) {
    printed.add(line);
  }

  /** The README's example; ports and addresses are parameters so that it runs on loopback here. */
  void example(int port, String slaveHost, int slavePort, String myAddress, MasterHooks myHooks) throws Exception {
    // README-BEGIN
    try (Master master = Master.builder().port(port).channel(42)
            .myAddress(myAddress).hooks(myHooks).build().start()) {
      SlaveConnection conn = master.newConnection("gpu-1", slaveHost, slavePort); // not connected yet
      conn.connect();
      Task task = conn.newTask(Map.of("a", 2, "b", 3))
          .onComplete((data, result) -> println("sum = " + result.get("sum")))
          .onFail((data, result) -> println("failed: " + result))
          .start()
          .join();
      println(task.status() + " " + task.result());
    }
    // README-END
  }

  @Test
  void exampleRunsAgainstARealSlave() throws Exception {
    try (Slave slave = TestSlaves.loopback().channel(42).build().start()) {
      int masterPort;
      try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
        masterPort = free.getLocalPort();
      }
      example(masterPort, "127.0.0.1", slave.port(), "http://127.0.0.1:" + masterPort, MasterHooks.DEFAULT);
    }
    assertEquals(List.of("sum = 5", "COMPLETED {sum=5}"), printed);
  }

  @Test
  void readmeShowsTheExampleAsWrittenHere() throws Exception {
    ReadmeBlocks.assertReadmeShows(Path.of("src/test/java/dev/taskwire/master/ReadmeExampleTest.java"), Path.of("../README.md"));
  }
}
