package dev.taskwire.common.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.taskwire.common.testing.DocBlocks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Maven coordinates the docs tell an embedder to use name an artifact this build makes, at the
 * version it makes: each {@code xml} block's {@code <dependency>} against the modules' poms.
 */
class MavenCoordinatesDocTest {
  private static final Pattern DEPENDENCY = Pattern.compile(
      "<groupId>([^<]+)</groupId>\\s*<artifactId>([^<]+)</artifactId>\\s*<version>([^<]+)</version>");

  @Test
  void everyDependencyInTheDocsIsAnArtifactOfThisBuildAtItsVersion() throws IOException {
    String parent = Files.readString(DocBlocks.file("pom.xml"));
    String version = first(parent, "<version>([^<]+)</version>");
    String groupId = first(parent, "<groupId>([^<]+)</groupId>");
    List<String> artifacts = List.of("common", "slave", "master/client", "master", "master/cli").stream()
        .map(module -> read(DocBlocks.file(module + "/pom.xml")))
        .map(pom -> first(pom.substring(pom.indexOf("</parent>")), "<artifactId>([^<]+)</artifactId>"))
        .toList();
    int checked = 0;
    for (Path doc : DocBlocks.allDocs()) {
      for (DocBlocks.Block block : DocBlocks.of(doc, "xml")) {
        Matcher dependency = DEPENDENCY.matcher(block.text());
        while (dependency.find()) {
          assertEquals(groupId, dependency.group(1), block.where());
          assertEquals(true, artifacts.contains(dependency.group(2)), block.where() + ": " + dependency.group(2) + " is none of " + artifacts);
          assertEquals(version, dependency.group(3), block.where());
          checked++;
        }
      }
    }
    assertFalse(checked == 0, "the docs show no <dependency> for an embedder (docs/java-api.md should)");
  }

  private static String first(String text, String regex) {
    Matcher matcher = Pattern.compile(regex).matcher(text);
    if (!matcher.find()) {
      throw new AssertionError("no " + regex);
    }
    return matcher.group(1);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
