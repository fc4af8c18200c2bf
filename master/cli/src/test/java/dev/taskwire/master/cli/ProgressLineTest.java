package dev.taskwire.master.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProgressLineTest {
  @Test
  void plainLinesOnlyWhenDoneOrTotalChange() {
    StringWriter text = new StringWriter();
    ProgressLine line = new ProgressLine("job j", new PrintWriter(text), false);
    line.show(null);
    line.show(Map.of("phase", "loading")); // no numbers: not shown
    line.show(Map.of("done", 1, "total", 4));
    line.show(Map.of("done", 1, "total", 4, "note", "same numbers"));
    line.show(Map.of("done", 2.0, "total", 4));
    line.show(Map.of("done", "3", "total", 4)); // not a number
    line.finish();
    assertEquals(String.format("job j: progress 1/4%njob j: progress 2/4%n"), text.toString());
  }

  @Test
  void aBarRedrawnInPlaceOnATerminal() {
    StringWriter text = new StringWriter();
    ProgressLine line = new ProgressLine("task t", new PrintWriter(text), true);
    line.show(Map.of("done", 5, "total", 10));
    line.show(Map.of("done", 10, "total", 10));
    line.finish();
    assertEquals("\rtask t [" + "#".repeat(15) + ".".repeat(15) + "] 5/10\rtask t [" + "#".repeat(30) + "] 10/10"
        + System.lineSeparator(), text.toString());
  }
}
