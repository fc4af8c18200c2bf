package dev.taskwire.slave;

import dev.taskwire.common.http.ServerBuilder;
import dev.taskwire.common.cli.CommandLines;
import dev.taskwire.common.cli.ServerFlags;
import dev.taskwire.common.http.BodyLimits;
import dev.taskwire.common.protocol.ProtocolDefaults;
import dev.taskwire.common.util.Durations;
import dev.taskwire.common.util.SignalShutdown;
import dev.taskwire.slave.processor.ExecProcessor;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The runnable slave: {@code java -jar taskwire-slave.jar [flags]}. Every flag may also be set by
 * an environment variable ({@code --heartbeat-span} by {@code TASKWIRE_HEARTBEAT_SPAN}); {@code
 * --help} lists them with their defaults.
 */
@Command(
    name = "taskwire-slave",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    usageHelpWidth = 100,
    description = {
      "Runs a Taskwire slave: accepts a master, runs its tasks, reports the results.",
      "Each flag may also be set by the environment variable named after it, e.g. --heartbeat-span by TASKWIRE_HEARTBEAT_SPAN.",
      "Durations are written like 200ms, 3s or 1.5s.",
      ""
    })
public final class Main implements Callable<Integer> {
  @Spec private CommandSpec spec;

  private final Slave.Builder builder = Slave.builder();
  @Mixin private ServerFlags serverFlags = new ServerFlags(builder); // the flags serve shares with the slave
  private final Map<String, String> env;
  private boolean labelsGiven;
  private List<String> joinUrls; // applied once parsing is done: picocli hands the setter the whole list each time
  private List<String> exec;
  private String processorClass;

  Main(Map<String, String> env) {
    this.env = env;
  }

  /** Runs the slave until it is shut down (SIGTERM, Ctrl-C or {@code DELETE /shutdown}). */
  public static void main(String[] args) {
    System.exit(run(args, System.getenv(), new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Parses {@code args} (with {@code env} for defaults) and runs; returns the exit code. */
  static int run(String[] args, Map<String, String> env, PrintWriter out, PrintWriter err) {
    return CommandLines.create(new Main(env), env, defaults(), out, err).execute(args);
  }

  /**
   * The builder that {@code args} and {@code env} configure, without starting anything: for tests.
   *
   * @throws CommandLine.ParameterException on a usage error
   */
  static Slave.Builder configure(String[] args, Map<String, String> env) {
    Main main = new Main(env);
    PrintWriter sink = new PrintWriter(java.io.Writer.nullWriter());
    CommandLine commandLine = CommandLines.create(main, env, defaults(), sink, sink);
    commandLine.parseArgs(args);
    main.applyMultiValueOptions();
    main.configureProcessor();
    return main.builder;
  }

  static Map<String, String> defaults() {
    Map<String, String> defaults = new LinkedHashMap<>();
    defaults.put("--host", ServerBuilder.DEFAULT_HOST);
    defaults.put("--port", Integer.toString(ProtocolDefaults.DEFAULT_SLAVE_PORT));
    defaults.put("--channel", Long.toString(ProtocolDefaults.DEFAULT_CHANNEL));
    defaults.put("--slots", Integer.toString(Slave.Builder.DEFAULT_SLOTS));
    defaults.put("--heartbeat-span", Durations.format(ProtocolDefaults.DEFAULT_HEARTBEAT_SPAN));
    defaults.put("--request-retries", Integer.toString(ProtocolDefaults.DEFAULT_REQUEST_RETRIES));
    defaults.put("--retry-wait", Durations.format(ProtocolDefaults.DEFAULT_RETRY_WAIT));
    defaults.put("--grace-period", Durations.format(Slave.Builder.DEFAULT_GRACE_PERIOD));
    defaults.put("--task-timeout", Durations.format(Slave.Builder.DEFAULT_TASK_TIMEOUT));
    defaults.put("--max-body-bytes", Long.toString(ProtocolDefaults.DEFAULT_MAX_BODY_BYTES));
    defaults.put("--body-timeout", Durations.format(BodyLimits.DEFAULT_TIMEOUT));
    defaults.put("--max-master-tolerance", Durations.format(Slave.Builder.DEFAULT_MAX_MASTER_TOLERANCE));
    defaults.put("--join-retry-max", Durations.format(Slave.Builder.DEFAULT_JOIN_RETRY_MAX));
    defaults.put("--outbox-max", Integer.toString(Slave.Builder.DEFAULT_OUTBOX_MAX));
    // In hours, as an operator thinks of it (Durations.format would say 86400s); a whole number of them.
    defaults.put("--outbox-max-age", Slave.Builder.DEFAULT_OUTBOX_MAX_AGE.toHours() + "h");
    return defaults;
  }

  @Option(names = "--slots", paramLabel = "N", description = "Tasks run at once (default: ${DEFAULT-VALUE}).")
  void slots(int slots) {
    CommandLines.apply(spec.commandLine(), "--slots", slots, builder::slots);
  }

  @Option(names = "--label", paramLabel = "LABEL", split = ",", description = "Labels announced to the master's scheduler, e.g. gpu or zone=eu; repeatable, or comma-separated.")
  void labels(List<String> labels) {
    labelsGiven = true;
    CommandLines.apply(spec.commandLine(), "--label", labels, builder::labels);
  }

  /**
   * The multi-value options, once parsing is done: {@code TASKWIRE_LABEL} and {@code TASKWIRE_JOIN}
   * (comma-separated) when the flag was not given (a multi-value option reads its own variable),
   * and the {@code --join} URLs.
   */
  private void applyMultiValueOptions() {
    String fromEnv = env.get(CommandLines.envName("--label"));
    if (!labelsGiven && fromEnv != null && !fromEnv.isBlank()) {
      CommandLines.apply(spec.commandLine(), "--label", List.of(fromEnv.trim().split("\\s*,\\s*")), builder::labels);
    }
    String joinFromEnv = env.get(CommandLines.envName("--join"));
    if (joinUrls == null && joinFromEnv != null && !joinFromEnv.isBlank()) {
      join(List.of(joinFromEnv.trim().split("\\s*,\\s*")));
    }
    if (joinUrls != null) {
      builder.join(joinUrls);
    }
  }

  @Option(names = "--join", paramLabel = "URL", split = ",", description = "A master to join by itself, e.g. "
      + "https://10.0.0.5:7235: it asks the master to connect, and again whenever the connection is lost; repeatable "
      + "(or comma-separated) for a standby: the first that accepts takes the slave.")
  void join(List<String> urls) {
    for (String url : urls) {
      CommandLines.apply(spec.commandLine(), "--join", url, dev.taskwire.common.http.BaseUrl::parse);
    }
    joinUrls = List.copyOf(urls);
  }

  @Option(names = "--name", paramLabel = "NAME", description = "The connection name to join under (default: host name:port).")
  void name(String name) {
    CommandLines.apply(spec.commandLine(), "--name", name, builder::name);
  }

  @Option(names = "--advertise", paramLabel = "URL", description = "Where the master reaches this slave, sent when joining,"
      + " e.g. https://gpu-7.internal:7236 (default: the address the master sees the join come from, with --port).")
  void advertise(String url) {
    CommandLines.apply(spec.commandLine(), "--advertise", url, builder::advertise);
  }

  @Option(names = "--join-retry-max", paramLabel = "DURATION", description = "Longest wait between join attempts"
      + " (default: ${DEFAULT-VALUE}).")
  void joinRetryMax(Duration max) {
    CommandLines.apply(spec.commandLine(), "--join-retry-max", max, builder::joinRetryMax);
  }

  @Option(names = "--secret-file", paramLabel = "FILE", description = "The fleet's shared secret (an owner-only file of the user"
      + " running the slave, at least 32 characters; the master's serve --secret-file makes one): only a master that"
      + " proves it knows it may connect, and joins prove it to the master.")
  void secretFile(java.nio.file.Path file) {
    try {
      builder.secret(dev.taskwire.common.security.SharedSecret.load(file));
    } catch (java.nio.file.NoSuchFileException e) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "Invalid value for option '--secret-file': no such file " + file + " (copy the master's secret file here)");
    } catch (java.io.IOException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '--secret-file': " + e.getMessage());
    }
  }

  @Option(names = "--heartbeat-span", paramLabel = "DURATION", description = "Time between heartbeats, at least 200ms (default: ${DEFAULT-VALUE}).")
  void heartbeatSpan(Duration span) {
    CommandLines.apply(spec.commandLine(), "--heartbeat-span", span, builder::heartbeatSpan);
  }

  @Option(names = "--grace-period", paramLabel = "DURATION", description = "Time running tasks get to finish at shutdown (default: ${DEFAULT-VALUE}).")
  void gracePeriod(Duration grace) {
    CommandLines.apply(spec.commandLine(), "--grace-period", grace, builder::gracePeriod);
  }

  @Option(names = "--task-timeout", paramLabel = "DURATION", description = "Longest a task may run, then it is stopped (an --exec process killed) and failed; 0s = no limit (default: ${DEFAULT-VALUE}).")
  void taskTimeout(Duration timeout) {
    CommandLines.apply(spec.commandLine(), "--task-timeout", timeout, builder::taskTimeout);
  }

  @Option(names = "--max-master-tolerance", paramLabel = "DURATION", description = "Longest heartbeat tolerance a master may announce; a larger one is clamped (default: ${DEFAULT-VALUE}).")
  void maxMasterTolerance(Duration tolerance) {
    CommandLines.apply(spec.commandLine(), "--max-master-tolerance", tolerance, builder::maxMasterTolerance);
  }

  @Option(names = "--outbox-max", paramLabel = "N", description = "Most results held for a master that announced"
      + " \"adopt\" while it is away (its connection lost); beyond it the oldest is dropped, logged with its task id"
      + " (default: ${DEFAULT-VALUE}).")
  void outboxMax(int max) {
    CommandLines.apply(spec.commandLine(), "--outbox-max", max, builder::outboxMax);
  }

  @Option(names = "--outbox-max-age", paramLabel = "DURATION", description = "Longest a result is held for a master"
      + " that announced \"adopt\" while it is away; older ones are dropped, logged with their task id"
      + " (default: ${DEFAULT-VALUE}).")
  void outboxMaxAge(Duration maxAge) {
    CommandLines.apply(spec.commandLine(), "--outbox-max-age", maxAge, builder::outboxMaxAge);
  }

  @Option(names = "--outbox-dir", paramLabel = "DIR", description = "Keep held results on disk here, one file each"
      + " (made owner-only if missing), so that they outlive a restart of the slave (default: in memory).")
  void outboxDir(java.nio.file.Path dir) {
    CommandLines.apply(spec.commandLine(), "--outbox-dir", dir, builder::outboxDir);
  }

  @Option(names = "--exec", arity = "1..*", paramLabel = "CMD", description =
      "Run each task as this command and its arguments (put --exec last): the task data as JSON on stdin, "
          + "the JSON object printed on stdout is the result; each JSON object line it appends to the file "
          + "$TASKWIRE_PROGRESS_FILE is a progress update. TASKWIRE_EXEC is split on spaces.")
  void exec(List<String> command) {
    this.exec = command;
  }

  @Option(names = "--processor", paramLabel = "CLASS", description = "A TaskProcessor class on the classpath, with a public no-argument constructor.")
  void processor(String className) {
    this.processorClass = className;
  }

  @Override
  public Integer call() throws Exception {
    applyMultiValueOptions();
    configureProcessor();
    Slave slave = builder.build().start();
    SignalShutdown.install("taskwire-slave", slave::shutdown, slave.config().gracePeriod().plus(SignalShutdown.MARGIN));
    slave.join();
    return 0;
  }

  private void configureProcessor() {
    if (exec == null && env.get("TASKWIRE_EXEC") != null && !env.get("TASKWIRE_EXEC").isBlank()) {
      exec = Arrays.asList(env.get("TASKWIRE_EXEC").trim().split("\\s+"));
    }
    if (processorClass == null) {
      processorClass = env.get("TASKWIRE_PROCESSOR");
    }
    if (exec != null && processorClass != null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--exec and --processor exclude each other");
    }
    if (exec != null) {
      ExecProcessor processor = new ExecProcessor(exec);
      builder.processor(processor, processor.toString());
    } else if (processorClass != null) {
      builder.processor(instantiate(processorClass), processorClass);
    }
  }

  private TaskProcessor instantiate(String className) {
    try {
      Class<?> type = Class.forName(className);
      if (!TaskProcessor.class.isAssignableFrom(type)) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "Invalid value for option '--processor': " + className + " (does not implement " + TaskProcessor.class.getName() + ")");
      }
      return (TaskProcessor) type.getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException | LinkageError e) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "Invalid value for option '--processor': " + className + " (" + e + ")");
    }
  }

  /** The version from the JAR's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Main.class.getPackage().getImplementationVersion();
      return new String[] {"taskwire-slave " + (version == null ? "dev" : version)};
    }
  }
}
