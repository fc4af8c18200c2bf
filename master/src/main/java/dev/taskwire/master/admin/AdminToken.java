package dev.taskwire.master.admin;

import dev.taskwire.common.protocol.Token;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * The admin API's bearer token, kept in a file only its owner can read or write. A file open to
 * its group or others, or a token shorter than {@value #MIN_LENGTH} characters, is refused.
 */
public final class AdminToken {
  /** The shortest token accepted from a file (a generated one has 64 hex characters). */
  public static final int MIN_LENGTH = 32;

  /** Where {@code serve} keeps the token and the client looks for it, unless told otherwise. */
  public static Path defaultFile() {
    return Path.of(System.getProperty("user.home"), ".taskwire", "admin-token");
  }

  private AdminToken() {}

  /**
   * The token in {@code file}; if the file does not exist, a new token from SecureRandom is written
   * there first, readable by its owner only.
   *
   * @throws IOException if the file cannot be read or written, or is refused as {@link #load(Path)} says
   */
  public static Token loadOrCreate(Path file) throws IOException {
    if (!Files.exists(file)) {
      try {
        return create(file);
      } catch (FileAlreadyExistsException raced) {
        return load(file);
      } catch (IOException e) {
        throw new IOException("cannot create the admin token file " + file + ": " + reason(e), e);
      }
    }
    return load(file);
  }

  private static Token create(Path file) throws IOException {
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
    }
    Files.writeString(file, token.value() + "\n", StandardCharsets.UTF_8);
    return token;
  }

  /**
   * The token in {@code file}, trimmed: at least {@value #MIN_LENGTH} characters, in a file that
   * neither its group nor others may read or write (checked where the file system has POSIX
   * permissions). Each refusal is one line that says how to fix it.
   *
   * @throws java.nio.file.NoSuchFileException if there is no such file
   * @throws IOException if the file cannot be read, is open to others, or holds a short token
   */
  public static Token load(Path file) throws IOException {
    requireOwnerOnly(file);
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (NoSuchFileException e) {
      throw e;
    } catch (IOException e) {
      throw new IOException("cannot read the admin token file " + file + ": " + reason(e), e);
    }
    if (text.isEmpty()) {
      throw new IOException("admin token file is empty: " + file + " (delete it and serve makes a new one)");
    }
    if (text.length() < MIN_LENGTH) {
      throw new IOException("admin token in " + file + " is " + text.length() + " characters; use at least "
          + MIN_LENGTH + " (delete the file and serve makes a new one)");
    }
    return Token.of(text);
  }

  private static void requireOwnerOnly(Path file) throws IOException {
    Set<PosixFilePermission> permissions;
    try {
      permissions = Files.getPosixFilePermissions(file);
    } catch (UnsupportedOperationException notPosix) {
      return;
    } catch (NoSuchFileException e) {
      throw e;
    } catch (IOException e) {
      throw new IOException("cannot read the admin token file " + file + ": " + reason(e), e);
    }
    Set<PosixFilePermission> open = EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
        PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);
    open.retainAll(permissions);
    if (!open.isEmpty()) {
      boolean read = open.contains(PosixFilePermission.GROUP_READ) || open.contains(PosixFilePermission.OTHERS_READ);
      boolean write = open.contains(PosixFilePermission.GROUP_WRITE) || open.contains(PosixFilePermission.OTHERS_WRITE);
      throw new IOException("admin token file " + file + " is " + (read ? write ? "readable and writable" : "readable" : "writable")
          + " by group or others (" + PosixFilePermissions.toString(permissions) + "); run: chmod 600 " + file);
    }
  }

  /** What went wrong, without the exception's class name. */
  private static String reason(IOException e) {
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileSystemException fs && fs.getReason() != null) {
      return fs.getReason();
    }
    return e.getMessage() == null ? "input/output error" : e.getMessage();
  }
}
