package dev.taskwire.slave.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.taskwire.common.testing.DocBlocks;
import dev.taskwire.slave.TaskContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every {@code sh} block of the docs exactly as printed (saved as a file, made executable)
 * through the {@code --exec} processor: docs/slaves.md's {@code steps.sh} reports its three steps
 * through {@code TASKWIRE_PROGRESS_FILE} and returns its result.
 */
class ExecScriptDocExampleTest {
  @TempDir Path dir;

  @Test
  void stepsShReportsThreeStepsThenItsResult() throws Exception {
    List<DocBlocks.Block> scripts = DocBlocks.of(DocBlocks.file("docs/slaves.md"), "sh");
    assertEquals(1, scripts.size(), "docs/slaves.md shows steps.sh");
    Path script = dir.resolve("steps.sh");
    Files.writeString(script, scripts.get(0).text());
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    List<Map<String, Object>> progress = new CopyOnWriteArrayList<>();
    TaskContext task = new TaskContext() {
      @Override
      public void progress(Map<String, Object> value) {
        progress.add(value);
      }

      @Override
      public String taskId() {
        return "steps-1";
      }
    };

    Map<String, Object> result = new ExecProcessor(List.of(script.toString())).process(task, Map.of());

    assertEquals(Map.of("steps", 3), result);
    assertEquals(List.of(Map.of("done", 1, "total", 3), Map.of("done", 2, "total", 3), Map.of("done", 3, "total", 3)), progress);
  }

  @Test
  void everyShBlockOfTheDocsIsRunHere() {
    long shBlocks = DocBlocks.allDocs().stream().mapToLong(doc -> DocBlocks.of(doc, "sh").size()).sum();
    assertEquals(1, shBlocks, "a new sh block needs its own test here");
  }
}
