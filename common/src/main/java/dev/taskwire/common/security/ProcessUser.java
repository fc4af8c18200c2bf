package dev.taskwire.common.security;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;

/**
 * The user this process runs as, as the file system names the owners of files: the owner of a
 * file the process makes. Asked once and remembered, since a JVM cannot change its user.
 *
 * <p>Not the {@code user.name} property first: the JVM takes it from the password database entry
 * of the process's user, so it is "?" for a user without an entry (a container run with an
 * arbitrary uid), and {@code -Duser.name} overrides it. The owner the kernel gives a new file is
 * the process's effective user whatever its name. {@code user.name} is the fallback for a process
 * that can make no temporary file.
 */
final class ProcessUser {
  private static volatile UserPrincipal user;

  private ProcessUser() {}

  /**
   * The user this process runs as.
   *
   * @throws IOException if it can make no temporary file and {@code user.name} names no user
   */
  static UserPrincipal get() throws IOException {
    UserPrincipal known = user;
    if (known == null) {
      // Two threads may both look it up the first time; they find the same user.
      known = lookUp();
      user = known;
    }
    return known;
  }

  private static UserPrincipal lookUp() throws IOException {
    try {
      return ownerOfANewFile();
    } catch (IOException | UnsupportedOperationException noProbe) {
      String name = System.getProperty("user.name");
      try {
        return FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(name);
      } catch (IOException | UnsupportedOperationException e) {
        IOException unknown = new IOException("cannot tell which user this process runs as: no temporary file ("
            + noProbe.getMessage() + ") and user.name " + name + " names no user", e);
        unknown.addSuppressed(noProbe);
        throw unknown;
      }
    }
  }

  private static UserPrincipal ownerOfANewFile() throws IOException {
    Path probe = Files.createTempFile("taskwire-owner-", ".probe");
    try {
      return Files.getOwner(probe);
    } finally {
      Files.deleteIfExists(probe);
    }
  }
}
