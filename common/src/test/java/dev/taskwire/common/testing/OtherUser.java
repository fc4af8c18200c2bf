package dev.taskwire.common.testing;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import org.junit.jupiter.api.Assumptions;

/**
 * Files of another user than the one running the tests, for the owner checks of secret files: the
 * tests run as root, which may give a file away ({@code chown nobody}).
 */
public final class OtherUser {
  /** The user files are given to. */
  public static final String NAME = "nobody";

  private OtherUser() {}

  /**
   * Makes {@value #NAME} the owner of {@code file}, its permissions untouched; returns it. Skips the
   * test where there is no such user, or where this process may not give files away (not root).
   */
  public static Path owns(Path file) throws IOException {
    try {
      Files.setOwner(file, lookUp());
    } catch (FileSystemException e) {
      Assumptions.abort("cannot give a file to " + NAME + " (only root may): " + e);
    }
    return file;
  }

  private static UserPrincipal lookUp() throws IOException {
    try {
      return FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName(NAME);
    } catch (UserPrincipalNotFoundException | UnsupportedOperationException e) {
      return Assumptions.abort("no user " + NAME + " to own a file: " + e);
    }
  }

  /** The name of the user running the tests, as the file system names the owner of {@code ownFile}. */
  public static String self(Path ownFile) throws IOException {
    return Files.getOwner(ownFile).getName();
  }
}
