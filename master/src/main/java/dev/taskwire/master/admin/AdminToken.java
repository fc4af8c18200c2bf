package dev.taskwire.master.admin;

import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.security.SecretFile;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The admin API's bearer token, kept in a file of the user the process runs as that only this
 * owner can read or write. Another user's file, one open to its group or others, or a token shorter
 * than {@value #MIN_LENGTH} characters, is refused.
 */
public final class AdminToken {
  /** The shortest token accepted from a file (a generated one has 64 hex characters). */
  public static final int MIN_LENGTH = 32;

  /** Where {@code serve} keeps the token and the client looks for it, unless told otherwise. */
  public static Path defaultFile() {
    return Path.of(System.getProperty("user.home"), ".taskwire", "admin-token");
  }

  private static final SecretFile FILE =
      new SecretFile("admin token", "delete the file and serve makes a new one", MIN_LENGTH);

  private AdminToken() {}

  /**
   * The token in {@code file}; if the file does not exist, a new token from SecureRandom is written
   * there first, readable by its owner only.
   *
   * @throws IOException if the file cannot be read or written, or is refused as {@link #load(Path)} says
   */
  public static Token loadOrCreate(Path file) throws IOException {
    return Token.of(FILE.readOrCreate(file, () -> Token.generate().value()));
  }

  /**
   * The token in {@code file}, trimmed: at least {@value #MIN_LENGTH} characters, in a file owned
   * by the user this process runs as that neither its group nor others may read or write (checked
   * where the file system has POSIX permissions). Each refusal is one line that says how to fix it.
   *
   * @throws java.nio.file.NoSuchFileException if there is no such file
   * @throws IOException if the file cannot be read, is another user's, is open to others, or holds
   *     a short token
   */
  public static Token load(Path file) throws IOException {
    return Token.of(FILE.read(file));
  }
}
