package dev.taskwire.common.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.testing.DocBlocks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The shape of README.md and the links between it and docs/: a README a newcomer can read (at most
 * 300 lines, both commands first), every page of docs/ reachable from it, and no link, within a page
 * or between pages, that leads nowhere.
 */
class DocLinksTest {
  private static final Pattern LINK = Pattern.compile("\\[(?:[^\\]\\[]|\\[[^\\]]*\\])*\\]\\(([^)\\s]+)\\)");
  private static final Pattern HEADING = Pattern.compile("^(#{1,6}) (.+)$");

  @Test
  void readmeIsAtMost300LinesWithTheDemoAndTestCommandsInItsFirst10() throws IOException {
    List<String> lines = Files.readAllLines(DocBlocks.file("README.md"));
    assertTrue(lines.size() <= 300, "README.md has " + lines.size() + " lines; keep it at most 300, and move the rest to docs/");
    String top = String.join("\n", lines.subList(0, 10));
    assertTrue(top.contains("mvn -q -B -DskipTests package && java -jar master/target/taskwire-master.jar demo"), top);
    assertTrue(top.contains("mvn -B verify"), top);
  }

  @Test
  void readmeLinksEveryPageOfDocs() {
    Set<Path> linked = new HashSet<>();
    for (Link link : links(DocBlocks.file("README.md"))) {
      linked.add(link.target());
    }
    List<String> missing = new ArrayList<>();
    for (Path doc : DocBlocks.allDocs()) {
      if (doc.getParent().endsWith("docs") && !linked.contains(doc)) {
        missing.add(DocBlocks.root().relativize(doc).toString());
      }
    }
    assertEquals(List.of(), missing, "pages of docs/ that README.md does not link");
  }

  @Test
  void everyRelativeLinkAndAnchorLeadsToAFileAndAHeadingThatExist() {
    Map<Path, Set<String>> anchors = new HashMap<>();
    List<String> broken = new ArrayList<>();
    for (Path doc : DocBlocks.allDocs()) {
      for (Link link : links(doc)) {
        if (!Files.exists(link.target())) {
          broken.add(link.where() + ": no file " + link.text());
        } else if (link.anchor() != null) {
          Set<String> known = anchors.computeIfAbsent(link.target(), DocLinksTest::anchors);
          if (!known.contains(link.anchor())) {
            broken.add(link.where() + ": no heading for #" + link.anchor() + " in " + link.target().getFileName()
                + " (it has " + new TreeSet<>(known) + ")");
          }
        }
      }
    }
    assertEquals(List.of(), broken);
  }

  /** A relative link of {@code file}: where it points and the anchor it names, if any. */
  private record Link(Path file, int line, String text, Path target, String anchor) {
    String where() {
      return DocBlocks.root().relativize(file) + ":" + line;
    }
  }

  /** The relative links of {@code doc}, outside code blocks and inline code. */
  private static List<Link> links(Path doc) {
    List<Link> links = new ArrayList<>();
    boolean inFence = false;
    int number = 0;
    for (String line : readLines(doc)) {
      number++;
      if (line.strip().startsWith("```")) {
        inFence = !inFence;
        continue;
      }
      if (inFence) {
        continue;
      }
      Matcher matcher = LINK.matcher(line.replaceAll("`[^`]*`", "``"));
      while (matcher.find()) {
        String text = matcher.group(1);
        if (text.matches("[a-z]+:.*")) {
          continue; // https:, mailto:: not ours to check offline
        }
        int hash = text.indexOf('#');
        String path = hash < 0 ? text : text.substring(0, hash);
        String anchor = hash < 0 ? null : text.substring(hash + 1);
        Path target = path.isEmpty() ? doc : doc.getParent().resolve(path).normalize();
        links.add(new Link(doc, number, text, target, anchor));
      }
    }
    return links;
  }

  /** The anchors GitHub gives the headings of {@code doc}: lower case, punctuation dropped, spaces as hyphens. */
  private static Set<String> anchors(Path doc) {
    Set<String> anchors = new HashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    boolean inFence = false;
    for (String line : readLines(doc)) {
      if (line.strip().startsWith("```")) {
        inFence = !inFence;
        continue;
      }
      Matcher heading = HEADING.matcher(line);
      if (inFence || !heading.matches()) {
        continue;
      }
      String slug = heading.group(2).strip().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
      int count = seen.merge(slug, 1, Integer::sum);
      anchors.add(count == 1 ? slug : slug + "-" + (count - 1));
    }
    return anchors;
  }

  private static List<String> readLines(Path doc) {
    try {
      return Files.readAllLines(doc);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
