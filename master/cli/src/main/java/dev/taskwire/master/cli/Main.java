package dev.taskwire.master.cli;

import dev.taskwire.common.cli.CommandLines;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The runnable master: {@code java -jar taskwire-master.jar <command>}. {@code serve} runs a master
 * with its admin API; {@code connect}, {@code disconnect}, {@code connections}, {@code submit} and
 * {@code task} talk to a running one, and {@code jobs}, {@code job}, {@code cancel}, {@code watch}
 * and {@code scheduler} to its scheduler; {@code demo} runs everything in-process.
 *
 * <p>Exit codes: 0 ok, 1 a task or job failed (or the master refused the request), 2 usage error,
 * 3 master unreachable or auth failed.
 */
@Command(
    name = "taskwire-master",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    usageHelpWidth = 100,
    description = {"Taskwire master: serve, drive a running master, or run the demo.",
        "Each flag may also be set by the environment variable named after it, e.g. --port by TASKWIRE_PORT.", ""},
    subcommands = {ServeCommand.class, ConnectCommand.class, DisconnectCommand.class, ConnectionsCommand.class,
        SubmitCommand.class, TaskCommand.class, JobsCommand.class, JobCommand.class, CancelCommand.class, WatchCommand.class,
        SchedulerCommand.class, DemoCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  /** Exit code of a task or job that failed, or a request the master refused. */
  public static final int EXIT_TASK_FAILED = 1;
  /** Exit code of an unreachable master or a failed authentication. */
  public static final int EXIT_UNREACHABLE = 3;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Runs a command and exits with its code. */
  public static void main(String[] args) {
    System.exit(run(args, System.getenv(), new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs a command with {@code env} for defaults; returns the exit code. */
  public static int run(String[] args, Map<String, String> env, PrintWriter out, PrintWriter err) {
    CommandLine commandLine = CommandLines.create(new Main(), env, Defaults.all(), out, err);
    commandLine.setExecutionExceptionHandler(new ClientErrors());
    return commandLine.execute(args);
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: serve, connect, disconnect, connections, submit, task, jobs, job, cancel, watch, scheduler or demo");
  }

  /** The version from the JAR's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Main.class.getPackage().getImplementationVersion();
      return new String[] {"taskwire-master " + (version == null ? "dev" : version)};
    }
  }
}
