package dev.taskwire.master.cli;

import dev.taskwire.common.cli.CommandLines;
import dev.taskwire.common.cli.ServerFlags;
import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.security.SharedSecret;
import dev.taskwire.common.util.SignalShutdown;
import dev.taskwire.master.Master;
import dev.taskwire.master.admin.AdminApi;
import dev.taskwire.master.admin.AdminToken;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import dev.taskwire.master.store.EmbeddedStore;
import dev.taskwire.master.store.StoreException;

/** {@code serve}: runs a master with its admin API until SIGTERM, Ctrl-C or {@code DELETE /shutdown}. */
@Command(name = "serve", mixinStandardHelpOptions = true, usageHelpWidth = 100,
    description = {"Runs a master: slaves report to it; the admin API under /api/v1 drives it.", ""})
final class ServeCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  private final Master.Builder builder = Master.builder();
  @Mixin private ServerFlags serverFlags = new ServerFlags(builder); // the flags the slave shares with serve
  private Path tokenFile;
  private Path secretFile;
  private boolean allowOpenJoin;
  private int taskHistory;
  private Duration taskTimeout = AdminApi.DEFAULT_TASK_TIMEOUT;
  private Path dataDir;
  private boolean inMemory;

  @Option(names = "--my-address", paramLabel = "URL", description = "Callback address slaves report to, e.g. http://10.0.0.5:7235 (default: http://<first non-loopback address>:<port>).")
  void myAddress(String address) {
    CommandLines.apply(spec.commandLine(), "--my-address", address, builder::myAddress);
  }

  @Option(names = "--callback-host", paramLabel = "HOST", description = "Host of the default callback address (default: first non-loopback address).")
  void callbackHost(String host) {
    CommandLines.apply(spec.commandLine(), "--callback-host", host, builder::callbackHost);
  }

  @Option(names = "--heartbeat-tolerance", paramLabel = "DURATION", description = "Silence after which a slave is dropped, at least 200ms (default: ${DEFAULT-VALUE}).")
  void heartbeatTolerance(Duration tolerance) {
    CommandLines.apply(spec.commandLine(), "--heartbeat-tolerance", tolerance, builder::heartbeatTolerance);
  }

  @Option(names = "--heartbeat-check-span", paramLabel = "DURATION", description = "Time between heartbeat checks, at least 100ms (default: ${DEFAULT-VALUE}).")
  void heartbeatCheckSpan(Duration span) {
    CommandLines.apply(spec.commandLine(), "--heartbeat-check-span", span, builder::heartbeatCheckSpan);
  }

  @Option(names = "--admin-token-file", paramLabel = "FILE", description = "Admin API token; made (owner-only) if the file does not exist. An existing one must be owned by the user running serve, owner-only, and hold at least 32 characters (default: ${DEFAULT-VALUE}).")
  void adminTokenFile(Path file) {
    this.tokenFile = file;
  }

  @Option(names = "--task-history", paramLabel = "N", description = "Tasks remembered by the admin API (default: ${DEFAULT-VALUE}).")
  void taskHistory(int history) {
    CommandLines.apply(spec.commandLine(), "--task-history", history, value -> {
      if (value < 1) {
        throw new IllegalArgumentException("taskHistory < 1: " + value);
      }
      this.taskHistory = value;
    });
  }

  @Option(names = "--task-timeout", paramLabel = "DURATION", description = "Default timeout of tasks submitted through the admin API; 0s = none (default: ${DEFAULT-VALUE}).")
  void taskTimeout(Duration timeout) {
    CommandLines.apply(spec.commandLine(), "--task-timeout", timeout, value -> {
      if (value.isNegative()) {
        throw new IllegalArgumentException("taskTimeout < 0: " + value);
      }
      this.taskTimeout = value;
    });
  }

  @Option(names = "--queue-capacity", paramLabel = "N", description = "Most jobs the scheduler holds queued; a submit beyond"
      + " it is answered 429 QUEUE_FULL (default: ${DEFAULT-VALUE}).")
  void queueCapacity(int capacity) {
    CommandLines.apply(spec.commandLine(), "--queue-capacity", capacity, builder::queueCapacity);
  }

  @Option(names = "--job-history", paramLabel = "N", description = "Final jobs the scheduler keeps for lookup by id; jobs"
      + " not final are always kept (default: ${DEFAULT-VALUE}).")
  void jobHistory(int history) {
    CommandLines.apply(spec.commandLine(), "--job-history", history, builder::jobHistory);
  }

  @Option(names = "--secret-file", paramLabel = "FILE", description = "The fleet's shared secret, made (owner-only, 64 hex"
      + " characters) if the file does not exist; an existing one must be owned by the user running serve and owner-only."
      + " Copy it to every slave's --secret-file. The master proves it in each"
      + " /connect, and takes joins from slaves that prove it.")
  void secretFile(Path file) {
    this.secretFile = file; // read (or made) by call(), once every flag is known to be good
  }

  @Option(names = "--data-dir", paramLabel = "DIR", description = "Where the master keeps its jobs, group limits, the"
      + " connections made through the API and its id, in an embedded database (made owner-only): a restart, even after"
      + " kill -9, loses nothing. One running master per directory (default: ${DEFAULT-VALUE}).")
  void dataDir(Path dir) {
    this.dataDir = dir;
  }

  @Option(names = "--in-memory", description = "Keep everything in memory instead of --data-dir: lost when the master"
      + " stops.")
  void inMemory(boolean inMemory) {
    this.inMemory = inMemory;
  }

  @Option(names = "--job-retention", paramLabel = "DURATION", description = "How long a final job stays queryable"
      + " (within --job-history), removed in the background after that (default: ${DEFAULT-VALUE}).")
  void jobRetention(Duration retention) {
    CommandLines.apply(spec.commandLine(), "--job-retention", retention, builder::jobRetention);
  }

  @Option(names = "--allow-open-join", description = "Take joins from slaves without a shared secret: for a network you"
      + " trust, where anyone who reaches this port may add a slave.")
  void allowOpenJoin(boolean allow) {
    this.allowOpenJoin = allow;
    builder.allowOpenJoin(allow);
  }

  @Override
  public Integer call() throws Exception {
    // Every flag is checked before a file is made: a refused command line leaves nothing behind.
    if (allowOpenJoin && secretFile != null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--allow-open-join and --secret-file exclude each"
          + " other: with a shared secret, every join must prove it");
    }
    Token token;
    try {
      token = AdminToken.loadOrCreate(tokenFile);
    } catch (java.io.IOException e) {
      // A usage error (exit 2), not "master unreachable" (exit 3): this is serve's own file, and
      // the message names it and says how to fix it.
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    if (secretFile != null) {
      builder.secret(sharedSecret(secretFile));
    }
    EmbeddedStore store = inMemory ? null : openStore();
    if (store != null) {
      builder.store(store);
    }
    Master master = builder.extension(new AdminApi(token, taskHistory, taskTimeout)).build();
    if (store != null) {
      master.addConnectionListener(new dev.taskwire.master.ConnectionListener() {
        @Override
        public void masterShuttingDown() {
          // Last, after the scheduler (it listens first): what it wrote is on disk before the store closes.
          store.close();
        }
      });
    }
    master.start();
    log.info("Admin API at {}://{}:{}/api/v1, bearer token in {} ({})", master.config().tls() == null ? "http" : "https",
        master.config().host(), master.port(),
        tokenFile.toAbsolutePath(), token);
    SignalShutdown.install("taskwire-master", master::shutdown, Master.CALLBACK_DRAIN.plus(SignalShutdown.MARGIN));
    master.join();
    return 0;
  }

  /**
   * The store in {@code --data-dir}. One that cannot be opened (held by another running master,
   * damaged, written by a newer Taskwire, unwritable) stops serve here, with its reason on one
   * line and an exit code of its own, before anything listens.
   */
  private EmbeddedStore openStore() {
    try {
      return EmbeddedStore.open(dataDir);
    } catch (StoreException e) {
      throw new StoreStop(e);
    }
  }

  /** {@code serve} stops at start: the store could not be opened. */
  static final class StoreStop extends RuntimeException {
    final StoreException cause;

    StoreStop(StoreException cause) {
      super(cause.getMessage(), cause);
      this.cause = cause;
    }
  }

  /** The secret in {@code file}, made there first if there is no such file. */
  private SharedSecret sharedSecret(Path file) {
    boolean made = !Files.exists(file);
    SharedSecret secret;
    try {
      secret = SharedSecret.loadOrCreate(file);
    } catch (java.io.IOException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "Invalid value for option '--secret-file': " + e.getMessage());
    }
    if (made) {
      log.info("Made a new shared secret in {}: copy this file to every slave (--secret-file)", file.toAbsolutePath());
    }
    return secret;
  }
}
