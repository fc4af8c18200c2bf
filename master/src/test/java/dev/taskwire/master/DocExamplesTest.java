package dev.taskwire.master;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.taskwire.common.testing.DocBlocks;
import dev.taskwire.common.testing.JavaExamples;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Java block of README.md, CONTRIBUTING.md and docs/ is a complete file that compiles as
 * printed, imports and all, and a test runs it: a test source names the block's doc and class
 * (as {@code DocBlocks.javaClass("docs/x.md", "Example")} does).
 */
class DocExamplesTest {
  @Test
  void everyJavaBlockOfTheDocsCompilesAsPrinted() {
    int compiled = 0;
    for (Path doc : DocBlocks.allDocs()) {
      for (DocBlocks.Block block : DocBlocks.of(doc, "java")) {
        JavaExamples.compile(block);
        compiled++;
      }
    }
    assertFalse(compiled == 0, "the docs show Java examples");
  }

  @Test
  void everyJavaBlockOfTheDocsIsRunByATest() {
    String tests = testSources();
    List<String> notRun = new ArrayList<>();
    for (Path doc : DocBlocks.allDocs()) {
      String relative = DocBlocks.root().relativize(doc).toString();
      for (DocBlocks.Block block : DocBlocks.of(doc, "java")) {
        String call = "\"" + relative + "\", \"" + block.publicClass() + "\"";
        if (!tests.contains(call)) {
          notRun.add(block.where() + " (" + block.publicClass() + "): no test calls DocBlocks.javaClass(" + call + ")");
        }
      }
    }
    assertEquals(List.of(), notRun);
  }

  /** The test sources of every module but this class's own file. */
  private static String testSources() {
    StringBuilder all = new StringBuilder();
    for (String module : List.of("common", "slave", "master", "master/cli")) {
      try (Stream<Path> files = Files.walk(DocBlocks.file(module + "/src/test/java"))) {
        for (Path file : files.filter(path -> path.toString().endsWith(".java")).toList()) {
          if (!file.getFileName().toString().equals("DocExamplesTest.java")) {
            all.append(Files.readString(file));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return all.toString();
  }
}
