package dev.taskwire.common.cli;

import dev.taskwire.common.util.Durations;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The command-line conventions of both runnable JARs, in one place:
 *
 * <ul>
 *   <li>every option {@code --some-flag} may also be set by the environment variable {@code
 *       TASKWIRE_SOME_FLAG}; a flag on the command line wins;
 *   <li>defaults shown by {@code --help} come from the builders' {@code DEFAULT_*} constants;
 *   <li>durations are written {@code 200ms}, {@code 3s}, {@code 1.5s};
 *   <li>a bad flag or value ends with one line naming the flag and the value, and exit code 2;
 *       flags that are checked together ({@link AfterParse} mixins) are checked before the command
 *       runs, with the same outcome;
 *   <li>a failure while running ends with one line (no stack trace) and exit code 1.
 * </ul>
 */
public final class CommandLines {
  /** Exit code of a usage error. */
  public static final int EXIT_USAGE = 2;
  /** Exit code of a run that failed (for example, its port was taken). */
  public static final int EXIT_FAILURE = 1;

  private CommandLines() {}

  /**
   * A mixin whose flags are checked together once all are parsed: {@link #parsed} runs before the
   * command does, and may throw a {@link CommandLine.ParameterException} (a usage error).
   */
  public interface AfterParse {
    /** Called once parsing is over, before the command runs. */
    void parsed(CommandLine commandLine);
  }

  /**
   * A picocli {@link CommandLine} for {@code command} wired with the conventions above. {@code
   * defaults} maps long option names (such as {@code --port}) to their default text.
   */
  public static CommandLine create(Object command, Map<String, String> env, Map<String, String> defaults,
      PrintWriter out, PrintWriter err) {
    CommandLine commandLine = new CommandLine(command);
    commandLine.registerConverter(Duration.class, CommandLines::parseDuration);
    commandLine.setDefaultValueProvider(argSpec -> defaultValue(argSpec, env, defaults));
    commandLine.setOut(out);
    commandLine.setErr(err);
    commandLine.setParameterExceptionHandler((e, args) -> {
      e.getCommandLine().getErr().println(e.getCommandLine().getCommandSpec().qualifiedName() + ": " + oneLine(e.getMessage()));
      e.getCommandLine().getErr().flush();
      return EXIT_USAGE;
    });
    commandLine.setExecutionStrategy(parseResult -> {
      afterParse(parseResult);
      return new CommandLine.RunLast().execute(parseResult);
    });
    commandLine.setExecutionExceptionHandler((e, cmd, parseResult) -> {
      cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + e);
      cmd.getErr().flush();
      return EXIT_FAILURE;
    });
    return commandLine;
  }

  /**
   * Calls {@link AfterParse#parsed} on the mixins of every command in {@code parseResult}; for a
   * caller that parses without executing.
   *
   * @throws CommandLine.ParameterException if a mixin refuses its flags
   */
  public static void afterParse(CommandLine.ParseResult parseResult) {
    for (CommandLine command : parseResult.asCommandLineList()) {
      for (CommandLine.Model.CommandSpec mixin : command.getCommandSpec().mixins().values()) {
        if (mixin.userObject() instanceof AfterParse flags) {
          flags.parsed(command);
        }
      }
    }
  }

  /** The environment variable of {@code --some-flag}: {@code TASKWIRE_SOME_FLAG}. */
  public static String envName(String longOption) {
    return "TASKWIRE_" + longOption.replaceFirst("^-+", "").replace('-', '_').toUpperCase(Locale.ROOT);
  }

  /**
   * Applies {@code value} with {@code setter} (a builder method that checks its argument), turning
   * the setter's refusal into a usage error naming {@code option} and the value.
   */
  public static <T> void apply(CommandLine commandLine, String option, T value, Consumer<T> setter) {
    try {
      setter.accept(value);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(commandLine,
          "Invalid value for option '" + option + "': " + display(value) + " (" + e.getMessage() + ")");
    }
  }

  private static Duration parseDuration(String text) {
    try {
      return Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  }

  private static String display(Object value) {
    return value instanceof Duration duration ? Durations.format(duration) : String.valueOf(value);
  }

  private static String defaultValue(ArgSpec argSpec, Map<String, String> env, Map<String, String> defaults) {
    // A multi-value option (such as --exec CMD ARGS...) reads its variable itself: only the command
    // knows how to split it.
    if (!(argSpec instanceof OptionSpec option) || option.isMultiValue()) {
      return null;
    }
    String name = option.longestName();
    String fromEnv = env.get(envName(name));
    if (fromEnv != null && !fromEnv.isEmpty()) {
      return fromEnv;
    }
    return defaults.get(name);
  }

  private static String oneLine(String message) {
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
