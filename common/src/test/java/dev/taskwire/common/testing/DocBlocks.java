package dev.taskwire.common.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The fenced code blocks of the project's Markdown files (README.md, CONTRIBUTING.md, docs/*.md),
 * for the tests that compile and run each example exactly as printed. A block is the text between
 * a line that opens a fence ({@code ```java}, indented or not) and the line that closes it, with the
 * fence's indent taken off every line.
 */
public final class DocBlocks {
  private static final Pattern FENCE = Pattern.compile("^( *)```(\\S*)\\s*$");
  private static final Pattern PUBLIC_CLASS = Pattern.compile("(?m)^public (?:final )?class (\\w+)");

  private DocBlocks() {}

  /** One fenced block: the file, the line of its opening fence (1-based), its language and its text. */
  public record Block(Path file, int line, String language, String text) {
    /** The name of the public class a Java block declares, or null. */
    public String publicClass() {
      Matcher matcher = PUBLIC_CLASS.matcher(text);
      return matcher.find() ? matcher.group(1) : null;
    }

    /** Where it is, for failure messages: {@code docs/scheduler.md:42}. */
    public String where() {
      return root().relativize(file.toAbsolutePath().normalize()) + ":" + line;
    }
  }

  /**
   * The checkout's root: the nearest folder up from the working directory (a module's, when Maven
   * runs the tests) that holds README.md and the parent pom.
   */
  public static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      if (Files.exists(dir.resolve("README.md")) && Files.exists(dir.resolve("common/pom.xml"))) {
        return dir;
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException("no checkout root above " + Path.of("").toAbsolutePath());
  }

  /** {@code relative} (such as {@code docs/scheduler.md}) under the checkout's root. */
  public static Path file(String relative) {
    return root().resolve(relative);
  }

  /** README.md, CONTRIBUTING.md and every Markdown file under docs/, in a stable order. */
  public static List<Path> allDocs() {
    List<Path> docs = new ArrayList<>();
    docs.add(file("README.md"));
    if (Files.exists(file("CONTRIBUTING.md"))) {
      docs.add(file("CONTRIBUTING.md"));
    }
    try (Stream<Path> files = Files.walk(file("docs"))) {
      files.filter(path -> path.toString().endsWith(".md")).sorted().forEach(docs::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return docs;
  }

  /** Every fenced block of {@code markdown}, in order. */
  public static List<Block> of(Path markdown) {
    List<String> lines;
    try {
      lines = Files.readAllLines(markdown);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Block> blocks = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher open = FENCE.matcher(lines.get(i));
      if (!open.matches()) {
        continue;
      }
      String indent = open.group(1);
      StringBuilder text = new StringBuilder();
      int j = i + 1;
      while (j < lines.size() && !lines.get(j).equals(indent + "```")) {
        String line = lines.get(j);
        text.append(line.startsWith(indent) ? line.substring(indent.length()) : line.strip()).append('\n');
        j++;
      }
      if (j == lines.size()) {
        throw new IllegalStateException(markdown + ":" + (i + 1) + ": a fence that is never closed");
      }
      blocks.add(new Block(markdown, i + 1, open.group(2), text.toString()));
      i = j;
    }
    return blocks;
  }

  /** The blocks of {@code markdown} in {@code language} ({@code java}, {@code bash}, ...). */
  public static List<Block> of(Path markdown, String language) {
    return of(markdown).stream().filter(block -> block.language().equals(language)).toList();
  }

  /** The Java block of {@code relative} (such as {@code README.md}) that declares {@code public class className}. */
  public static Block javaClass(String relative, String className) {
    List<Block> found = of(file(relative), "java").stream().filter(block -> className.equals(block.publicClass())).toList();
    if (found.size() != 1) {
      throw new AssertionError(relative + " must show exactly one Java block declaring public class " + className
          + ", found " + found.size());
    }
    return found.get(0);
  }

  /**
   * The blocks of {@code markdown} under the heading line {@code heading} (such as {@code "## Quickstart"}),
   * up to the next heading of the same level or above.
   */
  public static List<Block> section(Path markdown, String heading) {
    List<String> lines;
    try {
      lines = Files.readAllLines(markdown);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int level = heading.indexOf(' ');
    int start = lines.indexOf(heading);
    if (start < 0) {
      throw new AssertionError(markdown + " has no heading " + heading);
    }
    int end = lines.size();
    boolean inFence = false;
    for (int i = start + 1; i < lines.size(); i++) {
      String line = lines.get(i);
      if (FENCE.matcher(line).matches()) {
        inFence = !inFence;
      } else if (!inFence && line.matches("#{1," + level + "} .*")) {
        end = i;
        break;
      }
    }
    int first = start + 1;
    int last = end;
    return of(markdown).stream().filter(block -> block.line() > first && block.line() <= last).toList();
  }

  /** The block after {@code block} in its file (the output shown after an example, say). */
  public static Block next(Block block) {
    List<Block> blocks = of(block.file());
    int index = blocks.indexOf(block);
    if (index < 0 || index + 1 == blocks.size()) {
      throw new AssertionError(block.where() + ": no block after it");
    }
    return blocks.get(index + 1);
  }

  /** A command of a {@code console} block (its line after {@code $ }) and the lines printed below it. */
  public record Command(String line, List<String> output) {}

  /** The commands of a {@code console} block: each line starting {@code $ } and the output lines up to the next. */
  public static List<Command> console(Block block) {
    List<Command> commands = new ArrayList<>();
    String line = null;
    List<String> output = new ArrayList<>();
    for (String text : block.text().split("\n")) {
      if (text.startsWith("$ ")) {
        if (line != null) {
          commands.add(new Command(line, List.copyOf(output)));
        }
        line = text.substring(2);
        output.clear();
      } else if (line == null) {
        throw new AssertionError(block.where() + ": a console block starts with a command ($ ...)");
      } else {
        output.add(text);
      }
    }
    if (line != null) {
      commands.add(new Command(line, List.copyOf(output)));
    }
    return commands;
  }

  /** The output a {@code console} block of {@code relative} shows under {@code $ command}. */
  public static List<String> outputOf(String relative, String command) {
    List<Command> found = of(file(relative), "console").stream().flatMap(block -> console(block).stream())
        .filter(each -> each.line().equals(command)).toList();
    if (found.size() != 1) {
      throw new AssertionError(relative + " must show the command once in a console block: $ " + command + "; found " + found.size());
    }
    return found.get(0).output();
  }

  /** The command lines of a shell block, each with its continuation lines ({@code \\} at the end) joined. */
  public static List<String> shellLines(Block block) {
    List<String> lines = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String text : block.text().split("\n")) {
      if (text.endsWith("\\")) {
        current.append(text, 0, text.length() - 1).append(' ');
      } else {
        lines.add(current.append(text).toString().strip());
        current.setLength(0);
      }
    }
    return lines;
  }

  /**
   * The words of a shell command line as the shell would split them: single and double quotes,
   * backslash escapes, and a {@code #} comment after whitespace dropped. No expansions.
   */
  public static List<String> words(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = null;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (Character.isWhitespace(c)) {
        if (word != null) {
          words.add(word.toString());
          word = null;
        }
      } else if (c == '#' && word == null) {
        break;
      } else {
        if (word == null) {
          word = new StringBuilder();
        }
        if (c == '\'' || c == '"') {
          int close = i + 1;
          while (close < line.length() && line.charAt(close) != c) {
            if (c == '"' && line.charAt(close) == '\\') {
              close++;
            }
            close++;
          }
          String quoted = line.substring(i + 1, Math.min(close, line.length()));
          word.append(c == '"' ? quoted.replaceAll("\\\\([\"\\\\$`])", "$1") : quoted);
          i = close;
        } else if (c == '\\' && i + 1 < line.length()) {
          word.append(line.charAt(++i));
        } else {
          word.append(c);
        }
      }
    }
    if (word != null) {
      words.add(word.toString());
    }
    return words;
  }

  /** A shell line of the docs that runs a JAR: where it is, the line, and the words after the JAR. */
  public record JarLine(Block block, String line, List<String> args) {}

  /**
   * Every line of a {@code bash} or {@code console} block in the docs that runs {@code java -jar
   * jar} (a console line without its {@code $ }), with the words that follow the JAR.
   */
  public static List<JarLine> jarLines(String jar) {
    List<JarLine> lines = new java.util.ArrayList<>();
    for (Path doc : allDocs()) {
      for (Block block : of(doc)) {
        if (!block.language().equals("bash") && !block.language().equals("console")) {
          continue;
        }
        for (String line : shellLines(block)) {
          List<String> words = words(line.startsWith("$ ") ? line.substring(2) : line);
          int at = words.indexOf(jar);
          if (at >= 1 && words.get(at - 1).equals("-jar")) {
            lines.add(new JarLine(block, line, List.copyOf(words.subList(at + 1, words.size()))));
          }
        }
      }
    }
    return lines;
  }
}
