package dev.taskwire.master.bench;

import dev.taskwire.common.json.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The benchmark's results: a table for people, JSON for machines, and an SVG chart of tasks/s. */
public final class BenchReport {
  private final boolean slavesAsProcesses;
  private final List<ThroughputBench.Measurement> measurements = new ArrayList<>();
  private HeartbeatBench.Result heartbeat;

  public BenchReport(boolean slavesAsProcesses) {
    this.slavesAsProcesses = slavesAsProcesses;
  }

  public void add(ThroughputBench.Measurement measurement) {
    measurements.add(measurement);
  }

  public void heartbeat(HeartbeatBench.Result result) {
    this.heartbeat = result;
  }

  public void printTable(PrintWriter out) {
    out.printf("Taskwire benchmark on loopback, %d cores, %s, slaves %s%n", Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
        slavesAsProcesses ? "as separate JVMs" : "in-process");
    String format = "%-14s %10s %8s %8s %8s %8s %12s %9s%n";
    out.printf(format, "case", "tasks/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "cpu us/task", "failed");
    for (ThroughputBench.Measurement m : measurements) {
      LoadRunner.Result r = m.result();
      Percentiles p = r.latencyNanos();
      out.printf(Locale.ROOT, "%-14s %10.0f %8.3f %8.3f %8.3f %8.2f %12.1f %9d%n", m.benchCase().label(), r.tasksPerSecond(),
          p.at(0.5) / 1e6, p.at(0.9) / 1e6, p.at(0.99) / 1e6, p.max() / 1e6, m.cpuMicrosPerTask(),
          r.failed() + r.startFailed() + r.notFinal());
    }
    if (heartbeat != null) {
      out.printf(Locale.ROOT, "heartbeats: %d slaves every 1 s for %d s: %d sent (%d failed), master CPU %.1f %% of one core, "
              + "heap used %.0f MiB, round trip p99 %.2f ms, false drops %d%n",
          heartbeat.slaves(), heartbeat.seconds(), heartbeat.heartbeats(), heartbeat.failedHeartbeats(),
          heartbeat.masterCpuPercentOfOneCore(), heartbeat.heapUsedBytes() / 1048576.0,
          heartbeat.roundTripNanos().at(0.99) / 1e6, heartbeat.falseDrops());
    }
    out.flush();
  }

  public void writeJson(Path file) throws IOException {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("cores", Runtime.getRuntime().availableProcessors());
    root.put("java", System.getProperty("java.version"));
    root.put("slavesAsProcesses", slavesAsProcesses);
    List<Map<String, Object>> cases = new ArrayList<>();
    for (ThroughputBench.Measurement m : measurements) {
      LoadRunner.Result r = m.result();
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("slaves", m.benchCase().slaves());
      row.put("slots", m.benchCase().slots());
      row.put("payloadBytes", m.benchCase().payloadBytes());
      row.put("tasks", r.submitted());
      row.put("tasksPerSecond", Math.round(r.tasksPerSecond()));
      row.put("p50Ms", r.latencyNanos().at(0.5) / 1e6);
      row.put("p90Ms", r.latencyNanos().at(0.9) / 1e6);
      row.put("p99Ms", r.latencyNanos().at(0.99) / 1e6);
      row.put("maxMs", r.latencyNanos().max() / 1e6);
      row.put("cpuMicrosPerTask", m.cpuMicrosPerTask());
      row.put("completed", r.completed());
      row.put("failed", r.failed() + r.startFailed() + r.notFinal());
      cases.add(row);
    }
    root.put("throughput", cases);
    if (heartbeat != null) {
      Map<String, Object> hb = new LinkedHashMap<>();
      hb.put("slaves", heartbeat.slaves());
      hb.put("seconds", heartbeat.seconds());
      hb.put("heartbeats", heartbeat.heartbeats());
      hb.put("failedHeartbeats", heartbeat.failedHeartbeats());
      hb.put("masterCpuPercentOfOneCore", heartbeat.masterCpuPercentOfOneCore());
      hb.put("heapUsedBytes", heartbeat.heapUsedBytes());
      hb.put("roundTripP99Ms", heartbeat.roundTripNanos().at(0.99) / 1e6);
      hb.put("falseDrops", heartbeat.falseDrops());
      root.put("heartbeat", hb);
    }
    Files.writeString(file, Json.toString(root) + "\n", StandardCharsets.UTF_8);
  }

  /** A bar chart of tasks/s, one bar per case, grouped by payload size. */
  public void writeSvg(Path file) throws IOException {
    int barWidth = 44;
    int gap = 16;
    int height = 320;
    int top = 40;
    int chartHeight = 200;
    double max = measurements.stream().mapToDouble(m -> m.result().tasksPerSecond()).max().orElse(1);
    int width = Math.max(400, 60 + measurements.size() * (barWidth + gap));
    StringBuilder svg = new StringBuilder();
    svg.append(String.format(Locale.ROOT,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">%n", width, height));
    svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    svg.append("<text x=\"10\" y=\"20\" font-size=\"14\">Taskwire tasks/s by slaves x slots (payload)</text>\n");
    int x = 50;
    for (ThroughputBench.Measurement m : measurements) {
      double value = m.result().tasksPerSecond();
      int bar = (int) Math.round(chartHeight * value / max);
      String color = m.benchCase().slots() == 1 ? "#4e79a7" : "#f28e2b";
      svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>%n",
          x, top + chartHeight - bar, barWidth, bar, color));
      svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%.0f</text>%n",
          x + barWidth / 2, top + chartHeight - bar - 4, value));
      svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
          x + barWidth / 2, top + chartHeight + 16, m.benchCase().slaves() + "x" + m.benchCase().slots()));
      svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
          x + barWidth / 2, top + chartHeight + 30, m.benchCase().label().split(" ")[1]));
      x += barWidth + gap;
    }
    svg.append(String.format(Locale.ROOT, "<line x1=\"45\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n",
        top + chartHeight, x, top + chartHeight));
    svg.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\">blue: 1 slot per slave, orange: 4 slots</text>%n", height - 20));
    svg.append("</svg>\n");
    Files.writeString(file, svg.toString(), StandardCharsets.UTF_8);
  }
}
