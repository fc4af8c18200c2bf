package dev.taskwire.common.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Keeps a README example and the test that runs it from drifting apart: the code between {@code //
 * README-BEGIN} and {@code // README-END} in a test's source must stand in README.md exactly.
 */
public final class ReadmeBlocks {
  private ReadmeBlocks() {}

  /** Fails unless {@code readme} shows the marked block of {@code testSource}, dedented by its method's indent. */
  public static void assertReadmeShows(Path testSource, Path readme) throws IOException {
    String source = Files.readString(testSource);
    String body = source.substring(source.indexOf("// README-BEGIN") + "// README-BEGIN".length(), source.indexOf("    // README-END"));
    String text = Files.readString(readme);
    assertTrue(text.contains(dedent(body)), "README.md must contain the example exactly as:\n" + dedent(body));
  }

  private static String dedent(String block) {
    StringBuilder out = new StringBuilder();
    for (String line : block.strip().split("\n")) {
      out.append(line.startsWith("    ") ? line.substring(4) : line.strip()).append('\n');
    }
    return out.toString();
  }
}
