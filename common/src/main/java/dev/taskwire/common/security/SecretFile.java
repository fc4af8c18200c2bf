package dev.taskwire.common.security;

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
import java.nio.file.attribute.UserPrincipal;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * A file holding one secret (the admin token, the fleet's shared secret, a keystore's password):
 * owned by the user this process runs as, and readable and writable by that owner only, where the
 * file system has POSIX permissions. A file of another user, one open to its group or others, an
 * empty one, or one holding fewer than {@code minLength} characters is refused with one line that
 * says how to fix it; the secret itself never appears in a message.
 *
 * <p>The owner matters for a process that may read other users' files (root): a file another user
 * owns is one that user may have written, so a secret they chose would be taken as the fleet's.
 */
public final class SecretFile {
  private final String what;
  private final String remedy;
  private final int minLength;

  /**
   * A kind of secret file: {@code what} names it in messages ("admin token"), {@code remedy} says
   * what to do about a bad one ("delete the file and serve makes a new one").
   */
  public SecretFile(String what, String remedy, int minLength) {
    this.what = Objects.requireNonNull(what, "what == null");
    this.remedy = Objects.requireNonNull(remedy, "remedy == null");
    if (minLength < 1) {
      throw new IllegalArgumentException("minLength < 1: " + minLength);
    }
    this.minLength = minLength;
  }

  /**
   * The secret in {@code file}, trimmed.
   *
   * @throws NoSuchFileException if there is no such file
   * @throws IOException if the file cannot be read, is another user's, is open to others, or holds
   *     a short secret
   */
  public String read(Path file) throws IOException {
    requirePrivate(file);
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (NoSuchFileException e) {
      throw e;
    } catch (IOException e) {
      throw new IOException("cannot read the " + what + " file " + file + ": " + reason(e), e);
    }
    if (text.isEmpty()) {
      throw new IOException(what + " file is empty: " + file + " (" + remedy + ")");
    }
    if (text.length() < minLength) {
      throw new IOException(what + " in " + file + " is " + text.length() + " characters; use at least "
          + minLength + " (" + remedy + ")");
    }
    return text;
  }

  /**
   * Writes {@code secret} to the new file {@code file}, owner-only, making its directory if needed.
   *
   * @throws FileAlreadyExistsException if another process made the file meanwhile
   */
  public void create(Path file, String secret) throws IOException {
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
    Files.writeString(file, secret + "\n", StandardCharsets.UTF_8);
  }

  /**
   * The secret in {@code file}; if there is none, {@code generated} is written there first (owner
   * only) and returned.
   */
  public String readOrCreate(Path file, java.util.function.Supplier<String> generated) throws IOException {
    if (!Files.exists(file)) {
      String secret = generated.get();
      try {
        create(file, secret);
        return secret;
      } catch (FileAlreadyExistsException raced) {
        return read(file);
      } catch (IOException e) {
        throw new IOException("cannot create the " + what + " file " + file + ": " + reason(e), e);
      }
    }
    return read(file);
  }

  /**
   * Refuses {@code file} unless the user this process runs as owns it and neither its group nor
   * others may read or write it; where the file system has no POSIX permissions, it passes. For a
   * secret whose file is read otherwise (a keystore password, taken as it is written).
   *
   * @throws NoSuchFileException if there is no such file
   * @throws IOException naming the file, what is wrong and the command that fixes it
   */
  public void requirePrivate(Path file) throws IOException {
    Set<PosixFilePermission> permissions;
    UserPrincipal owner;
    try {
      permissions = Files.getPosixFilePermissions(file);
      owner = Files.getOwner(file);
    } catch (UnsupportedOperationException notPosix) {
      return;
    } catch (NoSuchFileException e) {
      throw e;
    } catch (IOException e) {
      throw new IOException("cannot read the " + what + " file " + file + ": " + reason(e), e);
    }
    // The owner first: chmod would not help with another user's file.
    UserPrincipal self = ProcessUser.get();
    if (!owner.equals(self)) {
      throw new IOException(what + " file " + file + " is owned by " + owner.getName() + ", not by " + self.getName()
          + " who runs this process; run this as " + owner.getName() + ", or: chown " + self.getName() + " " + file);
    }
    Set<PosixFilePermission> open = EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
        PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);
    open.retainAll(permissions);
    if (!open.isEmpty()) {
      boolean read = open.contains(PosixFilePermission.GROUP_READ) || open.contains(PosixFilePermission.OTHERS_READ);
      boolean write = open.contains(PosixFilePermission.GROUP_WRITE) || open.contains(PosixFilePermission.OTHERS_WRITE);
      throw new IOException(what + " file " + file + " is " + (read ? write ? "readable and writable" : "readable" : "writable")
          + " by group or others (" + PosixFilePermissions.toString(permissions) + "); run: chmod 600 " + file);
    }
  }

  /** What went wrong, without the exception's class name. */
  public static String reason(IOException e) {
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileSystemException fs && fs.getReason() != null) {
      return fs.getReason();
    }
    return e.getMessage() == null ? "input/output error" : e.getMessage();
  }
}
