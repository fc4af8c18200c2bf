package dev.taskwire.master.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.taskwire.common.testing.DocBlocks;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Every {@code java -jar master/target/taskwire-master.jar ...} line of a shell block in the docs
 * names a command the master's JAR has, with flags that command has (each with its value) and as
 * many arguments as it takes: the JAR's own command line reads them, without running anything
 * (the hosts and files they name are elsewhere).
 */
class MasterCommandLinesInDocsTest {
  private static final String JAR = "master/target/taskwire-master.jar";

  @Test
  void everyMasterCommandLineInTheDocsNamesACommandAndFlagsTheJarHas() {
    CommandLine root = new CommandLine(new Main());
    List<String> wrong = new ArrayList<>();
    List<DocBlocks.JarLine> lines = DocBlocks.jarLines(JAR);
    for (DocBlocks.JarLine line : lines) {
      String problem = problem(root, line.args());
      if (problem != null) {
        wrong.add(line.block().where() + ": " + problem + " in: " + line.line());
      }
    }
    int checked = lines.size();
    assertEquals(List.of(), wrong);
    assertTrue(checked >= 30, "the docs show the master's command line (" + checked + " lines found)");
  }

  @Test
  void aFlagOrCommandTheJarDoesNotHaveIsFound() {
    CommandLine root = new CommandLine(new Main());
    assertEquals("no flag --priorty", problem(root, List.of("submit", "{}", "--priorty", "5")));
    assertEquals("no command sumbit", problem(root, List.of("sumbit", "{}")));
    assertEquals("--wait-limit without its value", problem(root, List.of("submit", "{}", "--wait-limit")));
    assertEquals("2 argument(s), at most 1", problem(root, List.of("job", "a", "b")));
    assertEquals(null, problem(root, List.of("submit", "gpu-1", "{\"a\": 2}", "--wait", "--wait-limit=30s")));
  }

  /** What is wrong with {@code args} (after the JAR) for {@code root}, or null. */
  static String problem(CommandLine root, List<String> args) {
    if (args.isEmpty()) {
      return "no command";
    }
    CommandLine command = root.getSubcommands().get(args.get(0));
    if (command == null) {
      return "no command " + args.get(0);
    }
    CommandSpec spec = command.getCommandSpec();
    int positionals = 0;
    for (int i = 1; i < args.size(); i++) {
      String arg = args.get(i);
      if (!arg.startsWith("-")) {
        positionals++;
        continue;
      }
      String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
      OptionSpec option = spec.findOption(name);
      if (option == null) {
        return "no flag " + name;
      }
      if (option.arity().min() > 0 && !arg.contains("=")) {
        if (i + 1 >= args.size()) {
          return name + " without its value";
        }
        i++;
      }
    }
    long min = 0;
    long max = 0;
    for (PositionalParamSpec positional : spec.positionalParameters()) {
      min += positional.arity().min();
      max += positional.arity().max();
    }
    if (positionals < min || positionals > max) {
      return positionals + " argument(s), at " + (positionals < min ? "least " + min : "most " + max);
    }
    return null;
  }
}
