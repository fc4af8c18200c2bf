package dev.taskwire.master.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.json.Json;
import dev.taskwire.master.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark with tiny counts, so that it cannot rot. It asserts what was measured, never how fast. */
class BenchCommandTest {
  @TempDir Path dir;

  @Test
  @Timeout(120)
  void tinyBenchmarkWritesTableJsonAndChart() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new String[] {"bench", "--slaves", "1,2", "--slots", "1,2", "--payloads", "100,4096",
        "--bench-tasks", "40", "--warmup", "5", "--jit-warmup", "20", "--heartbeat-slaves", "20", "--heartbeat-warmup", "1",
        "--heartbeat-seconds", "2", "--out", dir.toString()}, Map.of(), new PrintWriter(out, true), new PrintWriter(err, true));
    assertEquals(0, code, err::toString);
    String table = out.toString();
    for (String label : List.of("1x1 100B", "1x2 100B", "2x1 100B", "2x2 100B", "1x1 4KiB", "2x2 4KiB")) {
      assertTrue(table.contains(label), label + " in\n" + table);
    }
    assertTrue(table.contains("heartbeats: 20 slaves every 1 s for 2 s"), table);
    assertTrue(table.contains("false drops 0"), table);

    Map<String, Object> json = Json.parseObject(Files.readString(dir.resolve("bench.json")));
    List<?> cases = (List<?>) json.get("throughput");
    assertEquals(8, cases.size());
    for (Object row : cases) {
      Map<?, ?> measured = (Map<?, ?>) row;
      assertEquals(40, measured.get("tasks"));
      assertEquals(40, measured.get("completed"), measured.toString());
      assertEquals(0, measured.get("failed"));
    }
    Map<?, ?> heartbeat = (Map<?, ?>) json.get("heartbeat");
    assertEquals(0, heartbeat.get("falseDrops"));
    assertTrue(((Number) heartbeat.get("heartbeats")).intValue() > 0);

    String svg = Files.readString(dir.resolve("bench.svg"));
    assertTrue(svg.startsWith("<svg"), svg);
    assertEquals(8, svg.split("<rect x=").length - 1, "one bar per case");
  }

  @Test
  void percentilesUseNearestRank() {
    Percentiles p = new Percentiles(new long[] {5, 1, 4, 2, 3});
    assertEquals(1, p.at(0.0));
    assertEquals(3, p.at(0.5));
    assertEquals(5, p.at(0.99));
    assertEquals(5, p.max());
    assertEquals(0, new Percentiles(new long[0]).at(0.5));
  }
}
