package dev.taskwire.slave;

import dev.taskwire.common.http.BodyLimits;
import dev.taskwire.common.http.JsonServer;
import dev.taskwire.common.http.ServerBuilder;
import dev.taskwire.common.http.RequestChecks;
import dev.taskwire.common.protocol.CommonErrorCode;
import dev.taskwire.common.protocol.ProtocolDefaults;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.util.Checks;
import dev.taskwire.common.util.Lifecycle;
import dev.taskwire.slave.processor.DemoProcessor;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A slave: accepts one master at a time over HTTP, runs its tasks with a {@link TaskProcessor} on up
 * to {@code slots} threads, heartbeats, and reports each result.
 *
 * <pre>{@code
 * try (Slave slave = Slave.builder().port(7236).channel(42)
 *         .processor(data -> Map.of("echo", data)).build().start()) {
 *   slave.join();
 * }
 * }</pre>
 *
 * <p>Beyond the reference: a processor's unexpected exception is reported as a failure (the
 * reference reports nothing); undelivered reports are retried; shutdown gives running tasks a
 * grace period and reports the ones it has to interrupt. For a master that announces "adopt" and a
 * master id, tasks and results outlive its connection: results it cannot take wait in a bounded
 * outbox (in memory, or in {@link Builder#outboxDir}) and are handed back, with the tasks still
 * running, when a master with that id connects again.
 */
public final class Slave implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Slave.class);
  /** How long shutdown waits for a heartbeat in flight. */
  private static final Duration HEARTBEAT_STOP_WAIT = Duration.ofSeconds(2);

  private final SlaveConfig config;
  private final Token selfToken = Token.generate();
  private final MasterLinks links;
  private final TaskRunner runner;
  private final Heartbeat heartbeat;
  private final JsonServer server;
  private final Lifecycle lifecycle;
  private final Joiner joiner;
  private final Outbox outbox;
  private final OutboxDelivery outboxDelivery;

  private Slave(SlaveConfig config) {
    this.config = config;
    this.lifecycle = new Lifecycle("slave",
        config.gracePeriod().plus(Reporter.MAX_BACKOFF.multipliedBy(3)).plus(HEARTBEAT_STOP_WAIT.multipliedBy(2))
            .plusSeconds(5));
    this.links = new MasterLinks(config);
    this.outbox = new Outbox(config.outboxDir() == null ? OutboxStore.MEMORY : new DirectoryOutboxStore(config.outboxDir()),
        config.outboxMax(), config.outboxMaxAge(), config.clock());
    Adoption adoption = new Adoption(outbox);
    Reporter reporter = new Reporter(links, config, adoption);
    this.runner = new TaskRunner(config, reporter, new ProgressSender(links, config), adoption);
    this.outboxDelivery = new OutboxDelivery(outbox, links, reporter);
    this.heartbeat = new Heartbeat(links, config, outboxDelivery::kick);
    this.server = JsonServer.create("slave", CommonErrorCode.COMMON_FAILURE,
        BodyLimits.of(config.maxBodyBytes(), config.bodyTimeout()), config.tls() == null ? null : config.tls().server());
    dev.taskwire.common.security.ProofCheck proofs =
        config.secret() == null ? null : new dev.taskwire.common.security.ProofCheck(config.secret());
    new SlaveEndpoints(this, config, links, runner, adoption, server, proofs).register();
    this.joiner = new Joiner(config, links, proofs, url -> MasterLink.engine(url, config));
  }

  /** A builder with the defaults of docs/protocol.md and the built-in demo processor. */
  public static Builder builder() {
    return new Builder();
  }

  /** Starts the server and the heartbeat; returns once the server answers. */
  public Slave start() {
    lifecycle.start(() -> {
      loadOutbox(); // before the server: a master that connects at once is offered what it left here
      server.start(config.host(), config.port());
      heartbeat.start();
      outboxDelivery.start();
    });
    log.info(
        "Taskwire slave listening on {}://{}:{}, channel {}, {} slot{}, processor {}{}{}", server.scheme(),
        config.host(), port(), config.channel(), config.slots(), config.slots() == 1 ? "" : "s",
        config.processorDescription(), config.tls() == null ? "" : ", " + config.tls(),
        config.secret() == null ? "" : ", shared secret " + config.secret().fingerprint());
    if (config.secret() == null && !dev.taskwire.common.http.Listening.onLoopbackOnly(config.host())) {
      log.warn("Listening on {} without a shared secret: any process that reaches port {} can connect this slave and"
          + " run tasks on it. Give master and slaves the same --secret-file (docs/security.md).", config.host(), port());
    }
    joiner.start(joinName(), port());
    return this;
  }

  private void loadOutbox() {
    try {
      outbox.load();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot use the outbox directory " + config.outboxDir() + ": "
          + dev.taskwire.common.security.SecretFile.reason(e), e);
    }
  }

  /** The name this slave joins under: the configured one, or this host's name and the bound port. */
  public String joinName() {
    if (config.name() != null) {
      return config.name();
    }
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      host = "slave";
    }
    String name = host + ":" + port();
    return dev.taskwire.common.protocol.ConnectionNames.isValid(name) ? name : "slave:" + port();
  }

  /** The bound port (the chosen one when configured with port 0). */
  public int port() {
    return server.port();
  }

  /** The settings this slave runs with. */
  public SlaveConfig config() {
    return config;
  }

  /** The lifecycle state. */
  public Lifecycle.State state() {
    return lifecycle.state();
  }

  /** Whether a master is connected. */
  public boolean isConnected() {
    return links.current() != null;
  }

  /** What joining looks like now, for {@code /health}; null when this slave joins no master. */
  Map<String, Object> joinStatus() {
    return joiner.status();
  }

  /** How many lines failed joins have logged: for tests of the throttle. */
  long joinProblemsLogged() {
    return joiner.problemsLogged();
  }

  /** Tasks running now. */
  public int runningTasks() {
    return runner.running();
  }

  /**
   * How many results this slave holds for masters that announced "adopt" and are away, until they
   * connect again (or a bound of {@link Builder#outboxMax} or {@link Builder#outboxMaxAge} drops them).
   */
  public int heldResults() {
    return outbox.size();
  }

  /**
   * Sends {@code GET /ping} to this slave with its own token, through the network stack, and
   * returns the answer's message ({@code "PONG!"}).
   */
  public String ping() throws IOException {
    return RequestChecks.ping(config.host(), port(), Side.SLAVE, selfToken,
        config.tls() == null ? null : config.tls().self());
  }

  /**
   * Stops accepting requests (every endpoint then answers 401/101), gives running tasks the grace
   * period to finish and report, interrupts and reports the rest as failed, then stops the
   * heartbeat and the server. Returns when done; safe to call twice.
   */
  public void shutdown() {
    if (!lifecycle.beginShutdown()) {
      return;
    }
    log.info("Taskwire slave shutting down; grace period {} ms for {} running task(s)",
        config.gracePeriod().toMillis(), runner.running());
    try {
      joiner.stop(HEARTBEAT_STOP_WAIT); // first: a join now would only bring tasks that cannot run
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    runner.shutdown(config.gracePeriod());
    try {
      heartbeat.stop(HEARTBEAT_STOP_WAIT);
      outboxDelivery.stop(HEARTBEAT_STOP_WAIT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    logHeldResultsLost();
    server.stop();
    lifecycle.finishShutdown();
    log.info("Taskwire slave stopped");
  }

  /** Results held in memory end with the process: each is logged, so that an operator knows which. */
  private void logHeldResultsLost() {
    if (outbox.durable()) {
      if (outbox.size() > 0) {
        log.info("{} held result(s) stay in {} for the next start", outbox.size(), config.outboxDir());
      }
      return;
    }
    for (HeldResult held : outbox.all()) {
      log.warn("Held result of task {} for master id {} is lost: the slave stops and its outbox is in memory"
          + " (--outbox-dir keeps it on disk)", held.taskId(), held.masterId());
    }
  }

  /** Waits until the slave has stopped. */
  public void join() throws InterruptedException {
    lifecycle.join();
  }

  /** Waits at most {@code timeout} for the slave to stop; returns whether it did. */
  public boolean join(Duration timeout) throws InterruptedException {
    return lifecycle.join(timeout);
  }

  /** {@link #shutdown()}; safe to call twice. */
  @Override
  public void close() {
    shutdown();
  }

  boolean isShuttingDown() {
    return lifecycle.isShuttingDown();
  }

  /** The token of self requests ({@code /ping}, {@code /shutdown}); never log it in full. */
  Token selfToken() {
    return selfToken;
  }

  /** Shuts down on a thread of its own, so that the {@code /shutdown} request can be answered first. */
  void shutdownInBackground() {
    Thread thread = new Thread(this::shutdown, "taskwire-slave-shutdown");
    thread.start();
  }

  /** Builds a {@link Slave}. Every setting has the default that its method names. */
  public static final class Builder extends ServerBuilder<Builder> {
    /** Default number of tasks run at once: 1, as the reference. */
    public static final int DEFAULT_SLOTS = 1;
    /** Default time running tasks get to finish when the slave shuts down. */
    public static final Duration DEFAULT_GRACE_PERIOD = Duration.ofSeconds(10);
    /** Default task timeout: none. */
    public static final Duration DEFAULT_TASK_TIMEOUT = Duration.ZERO;
    /** Default of the longest wait between two join attempts. */
    public static final Duration DEFAULT_JOIN_RETRY_MAX = Duration.ofSeconds(5);
    /** Default of the longest heartbeat tolerance a master may announce. */
    public static final Duration DEFAULT_MAX_MASTER_TOLERANCE = Duration.ofMinutes(5);
    /** Default of the most results held for adopting masters that are away. */
    public static final int DEFAULT_OUTBOX_MAX = 10_000;
    /**
     * The largest {@code outboxMax}: the {@code held.results} of a {@code /connect} answer must fit
     * in the 16 MiB a master reads of it, with task ids of up to 128 characters.
     */
    public static final int MAX_OUTBOX_MAX = 100_000;
    /** Default of the longest a result is held for an adopting master that is away. */
    public static final Duration DEFAULT_OUTBOX_MAX_AGE = Duration.ofHours(24);
    /** The shortest {@code outboxMaxAge}. */
    public static final Duration MIN_OUTBOX_MAX_AGE = Duration.ofSeconds(1);

    private Duration heartbeatSpan = ProtocolDefaults.DEFAULT_HEARTBEAT_SPAN;
    private int slots = DEFAULT_SLOTS;
    private java.util.List<String> labels = java.util.List.of();
    private Duration gracePeriod = DEFAULT_GRACE_PERIOD;
    private Duration taskTimeout = DEFAULT_TASK_TIMEOUT;
    private Duration maxMasterTolerance = DEFAULT_MAX_MASTER_TOLERANCE;
    private TaskProcessor processor = new DemoProcessor();
    private String processorDescription = "demo (sum of a and b)";
    private SlaveHooks hooks = SlaveHooks.NONE;
    private final java.util.List<dev.taskwire.common.http.BaseUrl> joinUrls = new java.util.ArrayList<>();
    private String name;
    private dev.taskwire.common.http.BaseUrl advertise;
    private Duration joinRetryMax = DEFAULT_JOIN_RETRY_MAX;
    private int outboxMax = DEFAULT_OUTBOX_MAX;
    private Duration outboxMaxAge = DEFAULT_OUTBOX_MAX_AGE;
    private java.nio.file.Path outboxDir;
    private java.time.Clock clock = java.time.Clock.systemUTC();

    private Builder() {
      super(ProtocolDefaults.DEFAULT_SLAVE_PORT);
    }

    @Override
    protected Builder self() {
      return this;
    }




    /** How often to heartbeat while connected; if unset, 3 s; at least 200 ms. */
    public Builder heartbeatSpan(Duration span) {
      this.heartbeatSpan = Checks.atLeast("heartbeatSpan", span, ProtocolDefaults.MIN_HEARTBEAT_SPAN);
      return this;
    }



    /** How many tasks may run at once; if unset, 1 (exactly the reference's behaviour). */
    public Builder slots(int slots) {
      this.slots = Checks.atLeast("slots", slots, 1);
      return this;
    }

    /**
     * The labels announced to a Taskwire master, whose scheduler sends a job only to slaves with
     * every label it requires (e.g. {@code gpu}, {@code zone=eu}; the rule is {@link
     * dev.taskwire.common.protocol.Labels#RULE}); if unset, none. A reference master ignores them.
     */
    public Builder labels(java.util.Collection<String> labels) {
      this.labels = dev.taskwire.common.protocol.Labels.require(labels);
      return this;
    }

    /** How long running tasks may finish after shutdown starts; if unset, 10 s. */
    public Builder gracePeriod(Duration gracePeriod) {
      this.gracePeriod = Checks.notNegative("gracePeriod", gracePeriod);
      return this;
    }

    /**
     * The longest a task may run before it is interrupted (an {@code --exec} process is killed) and
     * reported failed with {@code {"error": "timeout"}}; if unset or zero, no limit.
     */
    public Builder taskTimeout(Duration taskTimeout) {
      this.taskTimeout = Checks.notNegative("taskTimeout", taskTimeout);
      return this;
    }



    /**
     * The longest heartbeat tolerance a master may announce: a Taskwire master's tolerance is how
     * long this slave keeps a connection whose heartbeats fail, so a larger one is clamped to this;
     * if unset, 5 minutes.
     */
    public Builder maxMasterTolerance(Duration maxMasterTolerance) {
      this.maxMasterTolerance = Checks.notNegative("maxMasterTolerance", maxMasterTolerance);
      return this;
    }

    /** What runs each task; if unset, the built-in {@link DemoProcessor}. */
    public Builder processor(TaskProcessor processor) {
      return processor(processor, processor.getClass().getName());
    }

    /** {@link #processor(TaskProcessor)} with the description logged at start. */
    public Builder processor(TaskProcessor processor, String description) {
      this.processor = Objects.requireNonNull(processor, "processor == null");
      this.processorDescription = Objects.requireNonNull(description, "description == null");
      return this;
    }

    /**
     * What runs each task, with a {@link TaskContext} through which it may report progress to a
     * master that takes it (extension {@code progress}); if unset, the built-in {@link
     * DemoProcessor}. {@code processor((task, data) -> ...)} picks this one.
     */
    public Builder processor(ContextualTaskProcessor processor) {
      return processor(processor, processor.getClass().getName());
    }

    /** {@link #processor(ContextualTaskProcessor)} with the description logged at start. */
    public Builder processor(ContextualTaskProcessor processor, String description) {
      return processor((TaskProcessor) processor, description);
    }

    /**
     * A master to join by itself ({@code --join}, extension "join"): the slave asks it to connect,
     * and asks again whenever its connection is lost, forever, with a capped, jittered backoff. With
     * several, each is tried in the order given and the first that accepts takes the slave (a
     * standby, or several masters sharing a fleet). If unset, none: the slave waits to be connected.
     */
    public Builder join(String masterUrl) {
      joinUrls.add(dev.taskwire.common.http.BaseUrl.parse(Objects.requireNonNull(masterUrl, "masterUrl == null")));
      return this;
    }

    /** {@link #join(String)} for each of {@code masterUrls}. */
    public Builder join(java.util.Collection<String> masterUrls) {
      masterUrls.forEach(this::join);
      return this;
    }

    /**
     * The connection name this slave joins under ({@link dev.taskwire.common.protocol.ConnectionNames#RULE});
     * if unset, this host's name and the bound port, e.g. {@code gpu-7:7236}.
     */
    public Builder name(String name) {
      this.name = dev.taskwire.common.protocol.ConnectionNames.require(name);
      return this;
    }

    /**
     * Where a master reaches this slave, sent with each join, e.g. {@code https://gpu-7.internal:7236}
     * (behind NAT, or to match the name in a TLS certificate); if unset, the master uses the
     * address it sees the join come from, with this slave's port.
     */
    public Builder advertise(String url) {
      this.advertise = dev.taskwire.common.http.BaseUrl.parse(Objects.requireNonNull(url, "url == null"));
      return this;
    }

    /** The longest wait between two join attempts (the backoff's cap); if unset, 5 s; at least 100 ms. */
    public Builder joinRetryMax(Duration max) {
      this.joinRetryMax = Checks.atLeast("joinRetryMax", max, Duration.ofMillis(100));
      return this;
    }

    /**
     * The most results held for masters that announced "adopt" and are away (their connection was
     * lost, the result could not be delivered): beyond it, the oldest is dropped and logged at
     * warning level with its task id; if unset, 10,000; 1 to 100,000 ({@link #MAX_OUTBOX_MAX}).
     */
    public Builder outboxMax(int outboxMax) {
      if (outboxMax < 1 || outboxMax > MAX_OUTBOX_MAX) {
        throw new IllegalArgumentException("outboxMax not in 1.." + MAX_OUTBOX_MAX
            + " (a /connect answer lists them all): " + outboxMax);
      }
      this.outboxMax = outboxMax;
      return this;
    }

    /**
     * The longest a result is held for a master that announced "adopt" and is away: past it, the
     * result is dropped and logged at warning level with its task id; if unset, 24 hours; at least 1 s.
     */
    public Builder outboxMaxAge(Duration outboxMaxAge) {
      this.outboxMaxAge = Checks.atLeast("outboxMaxAge", outboxMaxAge, MIN_OUTBOX_MAX_AGE);
      return this;
    }

    /**
     * A directory where results held for masters that announced "adopt" are kept, one file each,
     * read again at start: they outlive a restart of the slave, even a crash. Made owner-only (0700)
     * if missing. If unset, they are held in memory and lost when the slave stops.
     */
    public Builder outboxDir(java.nio.file.Path dir) {
      this.outboxDir = Objects.requireNonNull(dir, "dir == null");
      return this;
    }

    /** The clock the age of held results is measured with; if unset, the system's (for tests). */
    public Builder clock(java.time.Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock == null");
      return this;
    }

    /** The hooks; if unset, {@link SlaveHooks#NONE}. */
    public Builder hooks(SlaveHooks hooks) {
      this.hooks = Objects.requireNonNull(hooks, "hooks == null");
      return this;
    }

    /** The slave, not yet started. */
    public Slave build() {
      return new Slave(new SlaveConfig(host(), port(), channel(), heartbeatSpan, requestRetries(), retryWait(),
          slots, labels, gracePeriod, taskTimeout, maxBodyBytes(), bodyTimeout(), maxMasterTolerance, processor,
          processorDescription, hooks, secret(), java.util.List.copyOf(joinUrls), name, advertise, joinRetryMax, tls(),
          outboxMax, outboxMaxAge, outboxDir, clock));
    }
  }
}
