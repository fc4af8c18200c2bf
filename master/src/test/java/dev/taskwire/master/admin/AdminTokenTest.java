package dev.taskwire.master.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.taskwire.common.protocol.Token;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin token file: made owner-only, and refused when open to others or holding a short token. */
class AdminTokenTest {
  @TempDir Path dir;

  @BeforeEach
  void posixOnly() {
    assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "needs POSIX permissions");
  }

  private Path write(String name, String text, String permissions) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
    return file;
  }

  private String refused(Path file) {
    return assertThrows(IOException.class, () -> AdminToken.load(file)).getMessage();
  }

  @Test
  void aNewFileIsOwnerOnlyAndLoadsBack() throws IOException {
    Path file = dir.resolve("sub").resolve("admin-token");
    Token made = AdminToken.loadOrCreate(file);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals(64, made.value().length());
    assertEquals(made, AdminToken.load(file));
    assertEquals(made, AdminToken.loadOrCreate(file));
  }

  @Test
  void anOwnerOnlyFileWithALongTokenIsAccepted() throws IOException {
    String token = "x".repeat(AdminToken.MIN_LENGTH);
    assertEquals(token, AdminToken.load(write("ok", "  " + token + "\n", "rw-------")).value());
    assertEquals(token, AdminToken.load(write("read-only", token, "r--------")).value());
  }

  @Test
  void aShortTokenIsRefused() throws IOException {
    Path file = write("short", "0123456789ab\n", "rw-------");
    assertEquals("admin token in " + file + " is 12 characters; use at least 32 (delete the file and serve makes a new one)",
        refused(file));
    assertEquals("admin token in " + file + " is 31 characters; use at least 32 (delete the file and serve makes a new one)",
        refused(write("short", "y".repeat(31), "rw-------")));
    assertEquals("admin token file is empty: " + file + " (delete the file and serve makes a new one)",
        refused(write("short", " \n", "rw-------")));
  }

  @Test
  void aFileTheGroupOrOthersMayReadOrWriteIsRefused() throws IOException {
    String token = Token.generate().value();
    Path file = write("open", token, "rw-r-----");
    assertEquals("admin token file " + file + " is readable by group or others (rw-r-----); run: chmod 600 " + file, refused(file));
    assertEquals("admin token file " + file + " is readable by group or others (rw----r--); run: chmod 600 " + file,
        refused(write("open", token, "rw----r--")));
    assertEquals("admin token file " + file + " is writable by group or others (rw--w----); run: chmod 600 " + file,
        refused(write("open", token, "rw--w----")));
    assertEquals("admin token file " + file + " is readable and writable by group or others (rw-rw-rw-); run: chmod 600 " + file,
        refused(write("open", token, "rw-rw-rw-")));
  }

  @Test
  void loadOrCreateRefusesAnExistingBadFileRatherThanReplacingIt() throws IOException {
    Path file = write("existing", "0123456789ab", "rw-r--r--");
    IOException e = assertThrows(IOException.class, () -> AdminToken.loadOrCreate(file));
    assertEquals("admin token file " + file + " is readable by group or others (rw-r--r--); run: chmod 600 " + file, e.getMessage());
    assertEquals("0123456789ab", Files.readString(file));
  }
}
