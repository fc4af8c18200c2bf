package dev.taskwire.slave.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.slave.TaskContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link ProgressFile} makes of the lines a program appends, read by polls as the task's thread does. */
class ProgressFileTest {
  @TempDir
  Path dir;

  private final List<Map<String, Object>> updates = new ArrayList<>();
  private final TaskContext task = new TaskContext() {
    @Override
    public String taskId() {
      return "task-file";
    }

    @Override
    public void progress(Map<String, Object> progress) {
      updates.add(progress);
    }
  };

  private void append(Path file, String text) throws Exception {
    Files.write(file, text.getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
  }

  @Test
  void eachCompleteJsonObjectLineIsOneUpdateInOrder() throws Exception {
    ProgressFile file = new ProgressFile(dir.resolve("progress"), task);
    append(file.path(), "{\"done\": 1}\n{\"done\": 2}\r\n");
    file.poll();
    append(file.path(), "{\"done\": 3, \"total\": 3}\n");
    file.poll();
    assertEquals(List.of(Map.of("done", 1), Map.of("done", 2), Map.of("done", 3, "total", 3)), updates);
  }

  @Test
  void aLineIsNotReadUntilItsNewlineIsWritten() throws Exception {
    ProgressFile file = new ProgressFile(dir.resolve("progress"), task);
    append(file.path(), "{\"done\": 1}\n{\"do");
    file.poll();
    assertEquals(List.of(Map.of("done", 1)), updates);
    append(file.path(), "ne\": 2}");
    file.poll();
    assertEquals(1, updates.size(), "still no newline: " + updates);
    append(file.path(), "\n");
    file.poll();
    assertEquals(List.of(Map.of("done", 1), Map.of("done", 2)), updates);
  }

  @Test
  void linesThatAreNotJsonObjectsAreSkippedAndBlankLinesIgnored() throws Exception {
    ProgressFile file = new ProgressFile(dir.resolve("progress"), task);
    append(file.path(), "{\"done\": 1}\nhalf way there\n[1, 2]\n\n   \n{\"done\": 2}\n{\"a\": 1, \"a\": 2}\n");
    file.poll();
    assertEquals(List.of(Map.of("done", 1), Map.of("done", 2)), updates);
    assertEquals(3, file.badLines());
  }

  @Test
  void aLineLongerThanTheLimitIsSkippedWithoutBeingHeldAndTheNextIsRead() throws Exception {
    ProgressFile file = new ProgressFile(dir.resolve("progress"), task);
    String huge = "{\"pad\": \"" + "x".repeat(ProgressFile.MAX_LINE_BYTES) + "\"}";
    // Written in pieces across polls, as a program would, so the skipping spans polls.
    append(file.path(), huge.substring(0, 40_000));
    file.poll();
    append(file.path(), huge.substring(40_000) + "\n{\"done\": 2}\n");
    file.poll();
    assertEquals(List.of(Map.of("done", 2)), updates);
    assertEquals(1, file.badLines());
  }

  @Test
  void aLineOfExactlyTheLimitIsRead() throws Exception {
    ProgressFile file = new ProgressFile(dir.resolve("progress"), task);
    String prefix = "{\"pad\": \"";
    String line = prefix + "x".repeat(ProgressFile.MAX_LINE_BYTES - prefix.length() - 2) + "\"}";
    assertEquals(ProgressFile.MAX_LINE_BYTES, line.length());
    append(file.path(), line + "\n");
    file.poll();
    assertEquals(1, updates.size());
  }

  @Test
  void aTruncatedFileIsReadAgainFromItsStart() throws Exception {
    ProgressFile file = new ProgressFile(dir.resolve("progress"), task);
    append(file.path(), "{\"done\": 1, \"note\": \"a longer first line\"}\n");
    file.poll();
    Files.writeString(file.path(), "{\"done\": 2}\n"); // `>` instead of `>>`
    file.poll();
    assertEquals(List.of(Map.of("done", 1, "note", "a longer first line"), Map.of("done", 2)), updates);
  }

  @Test
  void aFileTheProgramDeletedYieldsNothingAndDoesNotFail() throws Exception {
    ProgressFile file = new ProgressFile(dir.resolve("progress"), task);
    Files.delete(file.path());
    file.poll();
    assertTrue(updates.isEmpty());
    assertFalse(Files.exists(file.path()));
  }

  @Test
  void theFileIsCreatedEmptyAndMustNotExistBefore() throws Exception {
    Path path = dir.resolve("progress");
    ProgressFile file = new ProgressFile(path, task);
    assertEquals(0, Files.size(file.path()));
    assertThrows(FileAlreadyExistsException.class, () -> new ProgressFile(path, task));
  }
}
