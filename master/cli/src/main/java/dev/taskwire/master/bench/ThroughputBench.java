package dev.taskwire.master.bench;

import dev.taskwire.master.Master;
import dev.taskwire.master.SlaveConnection;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;

/** Measures one {@link ThroughputCase}: a master and its slaves on loopback, warm-up, then a timed run. */
public final class ThroughputBench {
  private ThroughputBench() {}

  /** What one case measured. */
  public record Measurement(ThroughputCase benchCase, LoadRunner.Result result) {
    /** JVM CPU time per task, in microseconds (the whole process: master, and in-process slaves). */
    public double cpuMicrosPerTask() {
      int tasks = result.completed() + result.failed();
      return tasks == 0 ? 0 : result.cpuNanos() / 1e3 / tasks;
    }
  }

  /** Runs {@code warmup} then {@code tasks} tasks of {@code benchCase}. */
  public static Measurement run(ThroughputCase benchCase, int warmup, int tasks, boolean slavesAsProcesses, Path logDir,
      IntConsumer progress) throws Exception {
    try (Master master = Master.builder().host("127.0.0.1").port(0).callbackHost("127.0.0.1").build().start();
        SlaveFleet fleet = SlaveFleet.start(benchCase.slaves(), benchCase.slots(), slavesAsProcesses, logDir)) {
      List<SlaveConnection> connections = fleet.connect(master, "bench-", 0);
      IntFunction<Map<String, Object>> data = payload(benchCase.payloadBytes());
      LoadRunner.run(connections, warmup, data, i -> { });
      LoadRunner.Result result = LoadRunner.run(connections, tasks, data, progress);
      return new Measurement(benchCase, result);
    }
  }

  /** Task data of about {@code bytes} bytes as JSON: the demo's sum, padded. */
  static IntFunction<Map<String, Object>> payload(int bytes) {
    String pad = "x".repeat(Math.max(0, bytes - 40));
    return i -> Map.of("a", i, "b", 1, "pad", pad);
  }
}
