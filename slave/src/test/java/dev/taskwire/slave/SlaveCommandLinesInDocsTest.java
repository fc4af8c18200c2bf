package dev.taskwire.slave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.testing.DocBlocks;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every {@code java -jar slave/target/taskwire-slave.jar ...} line of a shell block in the docs
 * uses flags the slave has, each with a value where it takes one: the slave's own command line
 * reads them, without starting anything (the files they name are on other hosts).
 */
class SlaveCommandLinesInDocsTest {
  private static final String JAR = "slave/target/taskwire-slave.jar";

  @Test
  void everySlaveCommandLineInTheDocsUsesFlagsTheSlaveHas() {
    CommandSpec spec = new CommandLine(new Main(Map.of())).getCommandSpec();
    List<String> wrong = new ArrayList<>();
    List<DocBlocks.JarLine> lines = DocBlocks.jarLines(JAR);
    for (DocBlocks.JarLine line : lines) {
      String problem = problem(spec, line.args());
      if (problem != null) {
        wrong.add(line.block().where() + ": " + problem + " in: " + line.line());
      }
    }
    int checked = lines.size();
    assertEquals(List.of(), wrong);
    assertTrue(checked >= 5, "the docs show the slave's command line (" + checked + " lines found)");
  }

  /** What is wrong with {@code args} for {@code spec}, or null. */
  static String problem(CommandSpec spec, List<String> args) {
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (!arg.startsWith("-")) {
        return "no such argument " + arg;
      }
      String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
      OptionSpec option = spec.findOption(name);
      if (option == null) {
        return "no flag " + name;
      }
      if (option.arity().max() == Integer.MAX_VALUE) {
        return i + 1 < args.size() ? null : name + " without its command"; // --exec CMD ARGS...: the rest is the command's
      }
      if (option.arity().min() > 0 && !arg.contains("=")) {
        if (i + 1 >= args.size()) {
          return name + " without its value";
        }
        i++;
      }
    }
    return null;
  }
}
