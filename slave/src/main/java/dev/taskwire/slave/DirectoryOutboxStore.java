package dev.taskwire.slave;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.json.JsonFormatException;
import dev.taskwire.common.protocol.TaskId;
import dev.taskwire.common.security.SecretFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps each held result in a file of its own in one directory ({@code --outbox-dir}), so that a
 * slave restarted, even after {@code kill -9}, still offers them to their master.
 *
 * <p>A file is {@code <sha-256 of master id and task id, hex>.json}, a JSON object {@code
 * {"format": 1, "masterId", "taskId", "completed", "heldAt": <ms since the epoch>, "result"}}: the
 * hash, because a task id may hold characters a file name may not. It is written to a {@code .tmp}
 * file, forced to disk, and renamed over the final name in one atomic step, and the directory is
 * forced too: a crash leaves the old file or the new one, never half of one. A {@code .tmp} left by
 * a crash is deleted at load (its result had not been kept yet). A file that cannot be read is
 * logged and renamed to {@code .corrupt}, so that one bad file never stops the slave and an
 * operator can still look at it; one of a newer format is logged and left as it is.
 *
 * <p>The directory is made owner-only (0700) if missing, and its files owner-only (0600): results
 * may hold anything a task computed. An existing directory others may enter is used, with a warning.
 */
final class DirectoryOutboxStore implements OutboxStore {
  /** The format of the files this store writes; a file of a newer one is left alone. */
  static final int FORMAT = 1;
  static final String SUFFIX = ".json";
  static final String TEMP_SUFFIX = ".tmp";
  static final String CORRUPT_SUFFIX = ".corrupt";

  private static final Logger log = LoggerFactory.getLogger(DirectoryOutboxStore.class);
  private static final Set<PosixFilePermission> OTHERS = Set.of(PosixFilePermission.GROUP_READ,
      PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
      PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

  private final Path dir;

  DirectoryOutboxStore(Path dir) {
    this.dir = Objects.requireNonNull(dir, "dir == null").toAbsolutePath().normalize();
  }

  /** The directory the results are kept in. */
  Path dir() {
    return dir;
  }

  @Override
  public List<HeldResult> load() throws IOException {
    prepareDirectory();
    List<HeldResult> loaded = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        if (name.endsWith(TEMP_SUFFIX)) {
          log.warn("Outbox: deleting {}, a result whose write was cut off (the slave stopped while writing it)", file);
          Files.deleteIfExists(file);
        } else if (name.endsWith(SUFFIX) && Files.isRegularFile(file)) {
          HeldResult held = loadFile(file);
          if (held != null) {
            loaded.add(held.withoutResult()); // read again on delivery: the heap holds no thousands of results
          }
        }
      }
    }
    return loaded;
  }

  @Override
  public HeldResult save(HeldResult held) throws IOException {
    Path file = fileOf(held);
    Path temp = file.resolveSibling(file.getFileName() + TEMP_SUFFIX);
    byte[] bytes = Json.toBytes(document(held));
    try (FileChannel channel = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING), ownerOnly("rw-------"))) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    } catch (IOException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    try {
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    forceDirectory();
    return held.withoutResult();
  }

  @Override
  public Map<String, Object> read(HeldResult held) throws IOException {
    if (held.result() != null) {
      return held.result(); // one whose file could not be written, kept in memory
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(fileOf(held));
    } catch (NoSuchFileException gone) {
      return null;
    }
    try {
      return parse(bytes).result();
    } catch (JsonFormatException | IllegalArgumentException e) {
      throw new IOException("cannot be read: " + e.getMessage(), e);
    }
  }

  @Override
  public void delete(HeldResult held) throws IOException {
    if (Files.deleteIfExists(fileOf(held))) {
      forceDirectory();
    }
  }

  @Override
  public String toString() {
    return "directory " + dir;
  }

  /** The file of {@code held}, named by a hash of its master id and task id. */
  Path fileOf(HeldResult held) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      byte[] hash = sha256.digest((held.masterId() + "\n" + held.taskId()).getBytes(StandardCharsets.UTF_8));
      return dir.resolve(HexFormat.of().formatHex(hash) + SUFFIX);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  /** The directory, made owner-only if missing; an existing one others may use is logged. */
  private void prepareDirectory() throws IOException {
    if (!Files.isDirectory(dir)) {
      try {
        Files.createDirectories(dir, ownerOnly("rwx------"));
        if (ownerOnly("rwx------").length > 0) {
          // The umask may have taken bits away, never added: set exactly what was meant.
          Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
      } catch (IOException e) {
        throw new IOException("cannot make the outbox directory " + dir + ": " + SecretFile.reason(e), e);
      }
      return;
    }
    try {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(dir);
      if (permissions.stream().anyMatch(OTHERS::contains)) {
        log.warn("Outbox directory {} may be used by group or others ({}); results held there may hold anything"
            + " a task computed: run chmod 700 {}", dir, PosixFilePermissions.toString(permissions), dir);
      }
    } catch (UnsupportedOperationException notPosix) {
      // No POSIX permissions to check on this file system.
    }
  }

  private HeldResult loadFile(Path file) {
    try {
      HeldResult held = parse(Files.readAllBytes(file));
      if (!file.equals(fileOf(held))) {
        throw new JsonFormatException("its name is not that of its master id and task id");
      }
      return held;
    } catch (NewerFormat e) {
      log.warn("Outbox: leaving {} as it is: {}", file, e.getMessage());
      return null;
    } catch (IOException | RuntimeException e) {
      setAside(file, e.getMessage());
      return null;
    }
  }

  private void setAside(Path file, String why) {
    Path aside = file.resolveSibling(file.getFileName() + CORRUPT_SUFFIX);
    try {
      Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      log.error("Outbox: {} cannot be read ({}); moved aside to {}: its result is not offered to any master", file,
          why, aside.getFileName());
    } catch (IOException e) {
      log.error("Outbox: {} cannot be read ({}) nor moved aside ({}); it is skipped", file, why, SecretFile.reason(e));
    }
  }

  private static Map<String, Object> document(HeldResult held) {
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("format", FORMAT);
    document.put("masterId", held.masterId());
    document.put("taskId", held.taskId());
    document.put("completed", held.completed());
    document.put("heldAt", held.heldAt().toEpochMilli());
    document.put("result", Objects.requireNonNull(held.result(), "result == null"));
    return document;
  }

  /** Reads a file's document, every field checked. */
  private static HeldResult parse(byte[] bytes) {
    Map<String, Object> document = Json.parseObject(bytes, 1); // one level around the result
    if (!(document.get("format") instanceof Number format)) {
      throw new JsonFormatException("no format");
    }
    if (format.intValue() > FORMAT) {
      throw new NewerFormat("written in format " + format + " by a newer slave; this one reads format " + FORMAT);
    }
    if (!(document.get("masterId") instanceof String masterId)) {
      throw new JsonFormatException("no masterId");
    }
    if (!(document.get("taskId") instanceof String taskId)) {
      throw new JsonFormatException("no taskId");
    }
    // The rules they met on the wire (a master id follows a task id's): an edited file gets no further.
    TaskId.parse(masterId);
    TaskId.parse(taskId);
    if (!(document.get("completed") instanceof Boolean completed)) {
      throw new JsonFormatException("no completed");
    }
    if (!(document.get("heldAt") instanceof Number heldAt)) {
      throw new JsonFormatException("no heldAt");
    }
    if (!(document.get("result") instanceof Map<?, ?> result)) {
      throw new JsonFormatException("no result object");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> typed = (Map<String, Object>) result;
    return new HeldResult(masterId, taskId, completed, typed, Instant.ofEpochMilli(heldAt.longValue()));
  }

  /** Forces the directory, so that a rename or delete survives a crash; a no-op where it cannot be. */
  private void forceDirectory() {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Some systems cannot open a directory: the rename is then as durable as they make it.
    }
  }

  /** {@code permissions} as an attribute to create with, where the file system has POSIX permissions. */
  private FileAttribute<?>[] ownerOnly(String permissions) {
    if (!dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      return new FileAttribute<?>[0];
    }
    return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions))};
  }

  /** A file written by a newer slave: not corrupt, only not ours to read. */
  private static final class NewerFormat extends RuntimeException {
    NewerFormat(String message) {
      super(message);
    }
  }
}
