package dev.taskwire.common.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.taskwire.common.testing.OtherUser;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A secret file must belong to the user running the process, not only be closed to others. */
class SecretFileTest {
  private static final String SECRET = "0123456789abcdef0123456789abcdef";
  private final SecretFile secretFile = new SecretFile("test secret", "make a new one", 32);
  @TempDir Path dir;
  private String self;

  @BeforeEach
  void posixOnly() throws IOException {
    assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "needs POSIX permissions");
    self = OtherUser.self(dir);
  }

  private Path ownerOnly(String name, String text) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    return file;
  }

  private String ownerRefusal(Path file) {
    return "test secret file " + file + " is owned by " + OtherUser.NAME + ", not by " + self
        + " who runs this process; run this as " + OtherUser.NAME + ", or: chown " + self + " " + file;
  }

  @Test
  void anOwnerOnlyFileOfTheProcessUserIsRead() throws IOException {
    assertEquals(SECRET, secretFile.read(ownerOnly("mine", SECRET + "\n")));
  }

  @Test
  void anOwnerOnlyFileOfAnotherUserIsRefused() throws IOException {
    Path file = OtherUser.owns(ownerOnly("theirs", SECRET + "\n"));
    IOException e = assertThrows(IOException.class, () -> secretFile.read(file));
    assertEquals(ownerRefusal(file), e.getMessage());
  }

  @Test
  void theOwnerIsNamedBeforeThePermissionsOfAnotherUsersOpenFile() throws IOException {
    Path file = OtherUser.owns(ownerOnly("theirs-open", SECRET));
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    assertEquals(ownerRefusal(file), assertThrows(IOException.class, () -> secretFile.read(file)).getMessage());
  }

  @Test
  void readOrCreateRefusesAnotherUsersFileRatherThanTakingOrReplacingIt() throws IOException {
    Path file = OtherUser.owns(ownerOnly("planted", SECRET));
    IOException e = assertThrows(IOException.class, () -> secretFile.readOrCreate(file, () -> "f".repeat(64)));
    assertEquals(ownerRefusal(file), e.getMessage());
    assertEquals(SECRET, Files.readString(file));
  }

  @Test
  void requirePrivateChecksTheOwnerAndThePermissionsOfAFileOfAnyContent() throws IOException {
    Path file = ownerOnly("password", "pw\n");
    secretFile.requirePrivate(file); // short content is the reader's business, not this check's
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
    assertEquals("test secret file " + file + " is readable by group or others (rw-r-----); run: chmod 600 " + file,
        assertThrows(IOException.class, () -> secretFile.requirePrivate(file)).getMessage());
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    OtherUser.owns(file);
    assertEquals(ownerRefusal(file), assertThrows(IOException.class, () -> secretFile.requirePrivate(file)).getMessage());
  }

  @Test
  void aFileMadeByReadOrCreateIsTheProcessUsersAndReadsBack() throws IOException {
    Path file = dir.resolve("made");
    String made = secretFile.readOrCreate(file, () -> "e".repeat(64));
    assertEquals(self, Files.getOwner(file).getName());
    assertEquals(made, secretFile.read(file));
  }
}
