package dev.taskwire.master.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * What this JVM wrote to disk, from {@code /proc/self/io} (Linux): {@code write_bytes} counts the
 * bytes this process caused to be sent to storage (page-cache pages it dirtied), not what it
 * passed to {@code write()} (that would count every socket write of loopback HTTP too). Where it
 * cannot tell, the sizes of a directory's files are the fallback.
 */
final class DiskWrites {
  private static final Path IO = Path.of("/proc/self/io");
  private static final String WRITE_BYTES = "write_bytes:";

  private DiskWrites() {}

  /** Bytes this process has caused to be written to storage so far, or -1 where {@code /proc/self/io} cannot tell. */
  static long writeBytes() {
    try {
      for (String line : Files.readAllLines(IO)) {
        if (line.startsWith(WRITE_BYTES)) {
          return Long.parseLong(line.substring(WRITE_BYTES.length()).trim());
        }
      }
      return -1;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** The sizes of the regular files under {@code dir}, summed (0 if it does not exist). */
  static long directoryBytes(Path dir) {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(file -> {
        try {
          return Files.size(file);
        } catch (IOException e) {
          return 0; // removed meanwhile (SQLite's -shm, -journal)
        }
      }).sum();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }

  /** Removes {@code dir} and everything under it; quietly does nothing if it is gone. */
  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(dir)) {
      paths = walk.sorted(Comparator.reverseOrder()).toList();
    }
    for (Path path : paths) {
      Files.deleteIfExists(path);
    }
  }
}
