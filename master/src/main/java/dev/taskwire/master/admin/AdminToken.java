package dev.taskwire.master.admin;

import dev.taskwire.common.protocol.Token;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** The admin API's bearer token, kept in a file only its owner can read. */
public final class AdminToken {
  /** Where {@code serve} keeps the token and the client looks for it, unless told otherwise. */
  public static Path defaultFile() {
    return Path.of(System.getProperty("user.home"), ".taskwire", "admin-token");
  }

  private AdminToken() {}

  /**
   * The token in {@code file}; if the file does not exist, a new token from SecureRandom is written
   * there first, readable by its owner only.
   *
   * @throws IOException if the file cannot be read or written, or is empty
   */
  public static Token loadOrCreate(Path file) throws IOException {
    if (!Files.exists(file)) {
      Token token = Token.generate();
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      try {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException notPosix) {
        Files.createFile(file);
      } catch (FileAlreadyExistsException raced) {
        return load(file);
      }
      Files.writeString(file, token.value() + "\n", StandardCharsets.UTF_8);
      return token;
    }
    return load(file);
  }

  /** The token in {@code file}, trimmed. */
  public static Token load(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8).trim();
    if (text.isEmpty()) {
      throw new IOException("admin token file is empty: " + file);
    }
    return Token.of(text);
  }

  /** Whether anyone but the owner may read {@code file} (worth a warning). */
  public static boolean readableByOthers(Path file) {
    try {
      Set<java.nio.file.attribute.PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
      return permissions.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"));
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }
}
