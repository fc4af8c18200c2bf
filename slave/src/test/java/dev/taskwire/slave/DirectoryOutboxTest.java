package dev.taskwire.slave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outbox's contract in a directory ({@code --outbox-dir}), and what only a directory does:
 * results outlive the outbox that wrote them, a bad file is set aside, the directory is owner-only.
 */
class DirectoryOutboxTest extends OutboxContract {
  @TempDir Path temp;

  private Path dir() {
    return temp.resolve("outbox");
  }

  @Override
  protected OutboxStore store() {
    return new DirectoryOutboxStore(dir());
  }

  private List<String> files() throws IOException {
    try (Stream<Path> files = Files.list(dir())) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void aMissingDirectoryIsMadeOwnerOnlyAndEachResultIsAnOwnerOnlyFile() throws Exception {
    Outbox outbox = outbox(10, Duration.ofHours(1));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir())));
    outbox.put("m-1", "t-1", true, Map.of("sum", 1));
    List<String> files = files();
    assertEquals(1, files.size(), files.toString());
    assertTrue(files.get(0).matches("[0-9a-f]{64}\\.json"), files.toString());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir().resolve(files.get(0)))));
    outbox.remove(outbox.held("m-1").get(0));
    assertEquals(List.of(), files(), "a delivered result leaves no file");
  }

  @Test
  void resultsOutliveTheOutboxThatWroteThemWithTheirTimeAndOrder() throws Exception {
    Outbox first = outbox(10, Duration.ofHours(1));
    first.put("m-1", "t/1?odd:*..\\x", true, Map.of("nested", Map.of("list", List.of(1, 2.5, "x"))));
    clock.advance(Duration.ofSeconds(5));
    first.put("m-1", "t-2", false, Map.of("error", "boom"));
    // A second outbox on the same directory, as a slave started again (after kill -9 too: each
    // result was on disk once put, nothing waited for a shutdown).
    Outbox second = outbox(10, Duration.ofHours(1));
    assertEquals(List.of("t/1?odd:*..\\x", "t-2"), second.taskIds("m-1"));
    HeldResult loaded = second.held("m-1").get(0);
    assertNull(loaded.result(), "read back from its file on delivery, not held in the heap");
    assertEquals(Map.of("nested", Map.of("list", List.of(1, 2.5, "x"))), second.result(loaded));
    assertTrue(second.held("m-1").get(0).completed());
    assertFalse(second.held("m-1").get(1).completed());
    assertEquals(first.held("m-1").get(1).heldAt(), second.held("m-1").get(1).heldAt());
  }

  @Test
  void aFileThatCannotBeReadIsMovedAsideAndTheOthersLoad() throws Exception {
    Outbox first = outbox(10, Duration.ofHours(1));
    first.put("m-1", "good", true, Map.of());
    Files.writeString(dir().resolve("0000.json"), "{\"format\": 1, \"masterId\": ");
    Files.writeString(dir().resolve("1111.json"), "{\"format\": 1, \"masterId\": \"m-1\", \"taskId\": \"t\"}");
    Files.writeString(dir().resolve("2222.json.tmp"), "{\"cut off");
    Outbox second = outbox(10, Duration.ofHours(1));
    assertEquals(List.of("good"), second.taskIds("m-1"));
    List<String> files = files();
    assertTrue(files.contains("0000.json.corrupt"), files.toString());
    assertTrue(files.contains("1111.json.corrupt"), files.toString());
    assertFalse(files.contains("2222.json.tmp"), "a write cut off is deleted: " + files);
  }

  @Test
  void aFileOfANewerFormatIsLeftAsItIs() throws Exception {
    Files.createDirectories(dir());
    Files.writeString(dir().resolve("3333.json"), "{\"format\": 2, \"anything\": \"new\"}");
    Outbox outbox = outbox(10, Duration.ofHours(1));
    assertEquals(0, outbox.size());
    assertEquals(List.of("3333.json"), files());
  }
}
