package dev.taskwire.master;

import dev.taskwire.common.util.NamedThreads;
import dev.taskwire.common.http.BaseUrl;
import dev.taskwire.common.http.BodyLimits;
import dev.taskwire.common.http.JsonServer;
import dev.taskwire.common.http.Listening;
import dev.taskwire.common.http.ServerBuilder;
import dev.taskwire.common.http.RequestChecks;
import dev.taskwire.common.protocol.ConnectionNames;
import dev.taskwire.common.protocol.MasterErrorCode;
import dev.taskwire.common.protocol.ProtocolDefaults;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.security.ProofCheck;
import dev.taskwire.common.util.Checks;
import dev.taskwire.common.util.Lifecycle;
import dev.taskwire.common.util.ThreadPools;
import dev.taskwire.master.scheduler.Scheduler;
import dev.taskwire.master.store.EmbeddedStore;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A master: opens named connections to slaves, sends them tasks, and receives each result on its
 * own HTTP server (the callback address it gives the slaves).
 *
 * <pre>{@code
 * try (Master master = Master.builder().port(7235).channel(42).build().start()) {
 *   SlaveConnection conn = master.newConnection("gpu-1", "10.0.0.7", 7236);
 *   conn.connect();
 *   Task task = conn.newTask(Map.of("a", 2, "b", 3)).start().join();
 * }
 * }</pre>
 */
public final class Master implements AutoCloseable {
  /** How long a join's connect-back may take if {@link Builder#joinTimeout} is not set. */
  public static final Duration DEFAULT_JOIN_TIMEOUT = Duration.ofSeconds(10);
  /** How long a final job stays queryable with a durable store, unless {@link Builder#jobRetention} says otherwise. */
  public static final Duration DEFAULT_JOB_RETENTION = Duration.ofDays(7);
  /** How long shutdown waits for callbacks already running: the master's grace period. */
  public static final Duration CALLBACK_DRAIN = Duration.ofSeconds(5);

  private static final Logger log = LoggerFactory.getLogger(Master.class);

  private final MasterConfig config;
  private final Token selfToken = Token.generate();
  private final Connections connections = new Connections();
  private final JsonServer server;
  private final HeartbeatCheck heartbeatCheck;
  private final ThreadPoolExecutor resultExecutor;
  private final ScheduledThreadPoolExecutor timer;
  private final ThreadPoolExecutor background;
  private final Lifecycle lifecycle = new Lifecycle("master", CALLBACK_DRAIN.plusSeconds(10));
  private final ConnectionEvents events = new ConnectionEvents();
  private final ConnectionContext connectionContext;
  private final Scheduler scheduler;
  private volatile String myAddress;
  /** The master's durable store; null for one that keeps its state in memory. */
  private final EmbeddedStore store;
  private final KeptConnections keptConnections;

  private Master(MasterConfig config, List<MasterExtension> extensions, EmbeddedStore store, Duration retention) {
    this.config = config;
    this.store = store;
    this.server = JsonServer.create("master", MasterErrorCode.TASK_DATA_INVALID,
        BodyLimits.of(config.maxBodyBytes(), config.bodyTimeout()), config.tls() == null ? null : config.tls().server());
    int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
    // Unbounded queue, bounded in practice: at most one entry per task in flight.
    this.resultExecutor = ThreadPools.elastic("taskwire-master-result", threads);
    this.timer = new ScheduledThreadPoolExecutor(1, NamedThreads.numberedDaemons("taskwire-master-timer"));
    timer.setRemoveOnCancelPolicy(true); // a finished task's timeout leaves the queue at once
    this.heartbeatCheck = new HeartbeatCheck(connections, config, timer);
    this.background = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        NamedThreads.numberedDaemons("taskwire-master-cancel"));
    background.allowCoreThreadTimeOut(true);
    ProofCheck proofs = config.secret() == null ? null : new ProofCheck(config.secret());
    this.connectionContext = new ConnectionContext(config, connections, resultExecutor, timer, background,
        () -> myAddress, lifecycle::isShuttingDown, events, proofs, store == null ? null : store.masterId());
    // With a store, attempts in flight when the master stopped are waited for as long as a
    // connection is kept through missed heartbeats: their slaves come back within that, or not at all.
    this.scheduler = store == null
        ? Scheduler.create(config.queueCapacity(), config.jobHistory(), CALLBACK_DRAIN, events::add)
        : Scheduler.create(config.queueCapacity(), config.jobHistory(), CALLBACK_DRAIN, events::add, store, retention,
            config.heartbeatTolerance());
    this.keptConnections = store == null ? null : new KeptConnections(this, store, timer);
    new MasterEndpoints(this, config, connections, server, proofs).register();
    for (MasterExtension extension : extensions) {
      extension.register(this, server);
    }
  }

  /** A builder with the defaults of docs/protocol.md. */
  public static Builder builder() {
    return new Builder();
  }

  /** Starts the server and the heartbeat check; returns once the server answers. */
  public Master start() {
    lifecycle.start(() -> {
      server.start(config.host(), config.port());
      myAddress = config.myAddress() != null
          ? config.myAddress()
          : server.scheme() + "://" + LocalAddresses.callbackHost(config) + ":" + port();
      heartbeatCheck.start();
    });
    if (keptConnections != null) {
      keptConnections.remakeAll();
    }
    log.info("Taskwire master listening on {}://{}:{}, channel {}, callback address {}{}{}{}", server.scheme(),
        config.host(), port(), config.channel(), myAddress, config.tls() == null ? "" : ", " + config.tls(),
        config.secret() == null ? "" : ", shared secret " + config.secret().fingerprint(),
        config.secret() != null || config.allowOpenJoin() ? ", taking joins" : "");
    if (config.secret() == null && !Listening.onLoopbackOnly(config.host())) {
      if (config.allowOpenJoin()) {
        log.warn("Listening on {} with --allow-open-join and no shared secret: any process that reaches port {} can"
            + " join as a slave and receive jobs. Use this on a network you trust only (docs/security.md).",
            config.host(), port());
      } else {
        log.warn("Listening on {} without a shared secret: slaves cannot tell this master from any other, and joins are"
            + " refused. Give master and slaves the same --secret-file (docs/security.md).", config.host(), port());
      }
    }
    return this;
  }

  /** The bound port (the chosen one when configured with port 0). */
  public int port() {
    return server.port();
  }

  /** The callback address sent to slaves; null before {@link #start()}. */
  public String myAddress() {
    return myAddress;
  }

  /** The settings this master runs with. */
  public MasterConfig config() {
    return config;
  }

  /** The lifecycle state. */
  public Lifecycle.State state() {
    return lifecycle.state();
  }

  /**
   * A connection named {@code name} to the slave at {@code host}:{@code port}, not yet connected:
   * call {@link SlaveConnection#connect()}. Over https if this master has TLS settings ({@link
   * Builder#tls}), else over http.
   *
   * @throws IllegalArgumentException if {@code name} breaks {@link ConnectionNames#RULE}
   * @throws IllegalStateException if a live connection already has this name
   */
  public SlaveConnection newConnection(String name, String host, int port) {
    return newConnection(name, host, port, config.tls() != null);
  }

  /**
   * {@link #newConnection(String, String, int)} over https when {@code https} is true, over http
   * otherwise, whatever this master's own TLS. Over https, the slave's certificate is checked by
   * this master's TLS settings (their CA), or by the JVM's trust store if it has none.
   */
  public SlaveConnection newConnection(String name, String host, int port, boolean https) {
    SlaveConnection.requireName(name);
    return newConnection(name, BaseUrl.of(host, port, https));
  }

  /** {@link #newConnection(String, String, int, boolean)} to the slave at {@code address}. */
  SlaveConnection newConnection(String name, BaseUrl address) {
    return newConnection(name, address, null);
  }

  /**
   * {@link #newConnection(String, BaseUrl)} for a joined slave whose live connection {@code
   * replacing} (null if none) has the same name: see {@link SlaveConnection#replacing}.
   */
  SlaveConnection newConnection(String name, BaseUrl address, SlaveConnection replacing) {
    SlaveConnection.requireName(name);
    if (!lifecycle.isRunning()) {
      throw new IllegalStateException("master is not running (state " + lifecycle.state() + ")");
    }
    if (!connections.nameFreeFor(name, replacing)) {
      throw new IllegalStateException("a live connection is already named " + name);
    }
    SlaveConnection connection = new SlaveConnection(connectionContext, name, address);
    connection.replacing(replacing);
    return connection;
  }

  /**
   * The scheduler: submit jobs to the whole fleet rather than to one connection; it queues them,
   * sends each to a live connection with a free slot, and retries them elsewhere when a slave dies.
   */
  public Scheduler scheduler() {
    return scheduler;
  }

  /** The live connections (a snapshot, in no particular order). */
  public java.util.Collection<SlaveConnection> liveConnections() {
    return connections.live();
  }

  /** Adds a listener told of connections and attempts; see {@link ConnectionListener}. */
  public void addConnectionListener(ConnectionListener listener) {
    events.add(Objects.requireNonNull(listener, "listener == null"));
  }

  /** Removes a listener added with {@link #addConnectionListener}; does nothing if it is not there. */
  public void removeConnectionListener(ConnectionListener listener) {
    events.remove(listener);
  }

  /** Whether a live connection is named {@code name}. */
  public boolean contains(String name) {
    return connections.live(name) != null;
  }

  /**
   * The live connection named {@code name}.
   *
   * @throws NoSuchElementException naming the connection when there is none
   */
  public SlaveConnection get(String name) {
    SlaveConnection connection = connections.live(name);
    if (connection == null) {
      throw new NoSuchElementException("no live connection named " + name + "; live: " + names());
    }
    return connection;
  }

  /**
   * Disconnects the connection named {@code name} and removes it, even if the slave cannot be
   * reached or refuses (its tasks in flight fail with reason LOST).
   *
   * @throws NoSuchElementException if there is none
   * @throws IOException if the slave could not be told (the connection is removed all the same)
   */
  public void remove(String name) throws IOException {
    SlaveConnection connection = get(name);
    try {
      connection.disconnect();
    } finally {
      connection.end(TaskFailure.Reason.LOST, "removed");
    }
  }

  /** The names of the live connections (a snapshot). */
  public Set<String> names() {
    return connections.names();
  }

  /** Sends {@code GET /ping} to this master with its own token and returns the message ({@code "PONG!"}). */
  public String ping() throws IOException {
    return RequestChecks.ping(config.host(), port(), Side.MASTER, selfToken,
        config.tls() == null ? null : config.tls().self());
  }

  /**
   * Stops: endpoints answer 401/101, the heartbeat check stops, every task in flight fails with
   * reason SHUTDOWN (callbacks fire, {@code join()} returns), callbacks get up to 5 s to finish, then
   * the server stops. Slaves are not sent {@code /disconnect}: their next heartbeat is refused and
   * they accept a new master. Safe to call twice.
   */
  public void shutdown() {
    if (!lifecycle.beginShutdown()) {
      return;
    }
    log.info("Taskwire master shutting down");
    // First, so that the scheduler ends its jobs with SHUTDOWN instead of retrying them as
    // their connections end.
    events.masterShuttingDown();
    heartbeatCheck.stop();
    timer.shutdownNow();
    background.shutdownNow();
    for (SlaveConnection connection : connections.all()) {
      connection.end(TaskFailure.Reason.SHUTDOWN, "closed by the master's shutdown");
    }
    // The server keeps answering 401/101 meanwhile, so slaves learn the master is going away.
    if (!ThreadPools.drain(resultExecutor, CALLBACK_DRAIN)) {
      log.warn("Callbacks still running after {} ms; not waiting for them", CALLBACK_DRAIN.toMillis());
    }
    server.stop();
    lifecycle.finishShutdown();
    log.info("Taskwire master stopped");
  }

  /** Waits until the master has stopped. */
  public void join() throws InterruptedException {
    lifecycle.join();
  }

  /** Waits at most {@code timeout} for the master to stop; returns whether it did. */
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

  /** The token of self requests; never log it in full. */
  Token selfToken() {
    return selfToken;
  }

  /** Shuts down on a thread of its own, so that the {@code /shutdown} request is answered first. */
  void shutdownInBackground() {
    new Thread(this::shutdown, "taskwire-master-shutdown").start();
  }

  /**
   * The connections made through the admin API that a restart makes again; null without a
   * durable store ({@link Builder#store}).
   */
  public KeptConnections keptConnections() {
    return keptConnections;
  }

  /** The durable store this master keeps its state in; null if it keeps it in memory. */
  public EmbeddedStore store() {
    return store;
  }

  /** Builds a {@link Master}. Every setting has the default that its method names. */
  public static final class Builder extends ServerBuilder<Builder> {

    private Duration heartbeatTolerance = ProtocolDefaults.DEFAULT_HEARTBEAT_TOLERANCE;
    private Duration heartbeatCheckSpan = ProtocolDefaults.DEFAULT_HEARTBEAT_CHECK_SPAN;
    private String myAddress;
    private String callbackHost;
    private MasterHooks hooks = MasterHooks.DEFAULT;
    private final List<MasterExtension> extensions = new java.util.ArrayList<>();
    private int queueCapacity = Scheduler.DEFAULT_QUEUE_CAPACITY;
    private int jobHistory = Scheduler.DEFAULT_JOB_HISTORY;
    private boolean allowOpenJoin;
    private Duration joinTimeout = DEFAULT_JOIN_TIMEOUT;
    private EmbeddedStore store;
    private Duration jobRetention = DEFAULT_JOB_RETENTION;

    private Builder() {
      super(ProtocolDefaults.DEFAULT_MASTER_PORT);
    }

    @Override
    protected Builder self() {
      return this;
    }




    /** How long without a heartbeat before a connection is dropped; if unset, 17 s; at least 200 ms. */
    public Builder heartbeatTolerance(Duration tolerance) {
      this.heartbeatTolerance = Checks.atLeast("heartbeatTolerance", tolerance, ProtocolDefaults.MIN_HEARTBEAT_TOLERANCE);
      return this;
    }

    /** How often connections are checked for missing heartbeats; if unset, 1 s; at least 100 ms. */
    public Builder heartbeatCheckSpan(Duration span) {
      this.heartbeatCheckSpan = Checks.atLeast("heartbeatCheckSpan", span, ProtocolDefaults.MIN_HEARTBEAT_CHECK_SPAN);
      return this;
    }



    /**
     * The callback address slaves report to, e.g. {@code http://10.0.0.5:7235}; if unset, {@code
     * http://<callbackHost>:<bound port>}.
     */
    public Builder myAddress(String address) {
      BaseUrl.parse(Objects.requireNonNull(address, "address == null"));
      this.myAddress = address;
      return this;
    }

    /**
     * The host of the default callback address; if unset, the listening host when that is a
     * loopback address (nothing else would answer), else the first non-loopback IPv4 address of
     * this host. Tests on one machine set {@code 127.0.0.1}.
     */
    public Builder callbackHost(String host) {
      this.callbackHost = Objects.requireNonNull(host, "host == null");
      return this;
    }



    /**
     * The most jobs the scheduler holds queued (waiting for a slot or a retry); a submit beyond it is
     * refused. If unset, {@value Scheduler#DEFAULT_QUEUE_CAPACITY}; at least 1.
     */
    public Builder queueCapacity(int capacity) {
      this.queueCapacity = Checks.atLeast("queueCapacity", capacity, 1);
      return this;
    }

    /**
     * How many final jobs the scheduler keeps for lookup by id (the oldest is forgotten first; jobs
     * not final are always kept). If unset, {@value Scheduler#DEFAULT_JOB_HISTORY}; at least 1.
     */
    public Builder jobHistory(int history) {
      this.jobHistory = Checks.atLeast("jobHistory", history, 1);
      return this;
    }

    /**
     * Keeps the scheduler's jobs, group limits and the connections made through the admin API in
     * {@code store}, so that a restart loses nothing; if unset, all of it is in memory and lost when
     * the master stops. The caller opens the store ({@link EmbeddedStore#open}) and closes it after
     * the master. One store serves one master at a time.
     */
    public Builder store(EmbeddedStore store) {
      this.store = store;
      return this;
    }

    /**
     * How long a final job stays queryable with a {@link #store}, beside the count of {@link
     * #jobHistory}; if unset, {@link #DEFAULT_JOB_RETENTION}. Older ones are removed in the background.
     */
    public Builder jobRetention(Duration retention) {
      this.jobRetention = Checks.atLeast("jobRetention", retention, Duration.ofSeconds(1));
      return this;
    }

    /**
     * Whether slaves may join (extension "join") without a shared secret, for a network the user
     * trusts ({@code --allow-open-join}); if unset, false: a master without a secret refuses every
     * join with JOIN_NOT_ENABLED. A master with a secret takes joins that prove it, and this must
     * stay unset.
     */
    public Builder allowOpenJoin(boolean allow) {
      this.allowOpenJoin = allow;
      return this;
    }

    /**
     * How long the master's {@code /connect} to a joining slave may take, all of it (connecting,
     * sending, the slave's answer); if unset, 10 s; at least 100 ms. A join whose connect-back
     * fails, for whatever reason, is answered only once this much time has passed since it came
     * in: the address in a join is the sender's to choose, and when the answer comes must say
     * nothing about what listens there (a closed, a silent and an open port look alike).
     */
    public Builder joinTimeout(Duration timeout) {
      this.joinTimeout = Checks.atLeast("joinTimeout", timeout, Duration.ofMillis(100));
      return this;
    }

    /** The hooks; if unset, {@link MasterHooks#DEFAULT}. */
    public Builder hooks(MasterHooks hooks) {
      this.hooks = Objects.requireNonNull(hooks, "hooks == null");
      return this;
    }

    /** Adds routes or behaviour to the master's server (the admin API is one); may be called more than once. */
    public Builder extension(MasterExtension extension) {
      extensions.add(Objects.requireNonNull(extension, "extension == null"));
      return this;
    }

    /** The master, not yet started. */
    public Master build() {
      if (allowOpenJoin && secret() != null) {
        throw new IllegalStateException("allowOpenJoin is for a master without a shared secret: with one, every join"
            + " must prove it");
      }
      return new Master(new MasterConfig(host(), port(), channel(), heartbeatTolerance, heartbeatCheckSpan,
          requestRetries(), retryWait(), myAddress, callbackHost, maxBodyBytes(), bodyTimeout(), hooks,
          queueCapacity, jobHistory, secret(), allowOpenJoin, joinTimeout, tls()), List.copyOf(extensions), store,
          jobRetention);
    }
  }
}
