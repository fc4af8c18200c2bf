package dev.taskwire.master;

import dev.taskwire.common.http.BaseUrl;
import dev.taskwire.common.http.HttpEngine;
import dev.taskwire.common.protocol.ConnectionNames;
import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.Extensions;
import dev.taskwire.common.protocol.TaskId;
import dev.taskwire.common.protocol.Headers;
import dev.taskwire.common.protocol.Labels;
import dev.taskwire.common.protocol.Messages.DisconnectRequest;
import dev.taskwire.common.protocol.Token;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A named connection from the master to one slave. Made by {@link Master#newConnection}; {@link
 * #connect()} makes it live (and visible through {@link Master#get(String)}), {@link #disconnect()}
 * or {@link #close()} ends it.
 *
 * <p>When a connection ends for any reason (disconnected, removed, dropped by the heartbeat check,
 * master shutdown), every task still in flight on it fails at once (reason {@link
 * TaskFailure.Reason#LOST} or {@link TaskFailure.Reason#SHUTDOWN}).
 *
 * <p>This class keeps the connection's state ({@link State}), its place in the master's registry,
 * its heartbeats and its ending; the {@code /connect} handshake is {@link ConnectHandshake}'s, and
 * sending a task is {@link TaskSender}'s.
 */
public final class SlaveConnection implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SlaveConnection.class);

  private final ConnectionContext context;
  private final String name;
  private final BaseUrl slaveAddress;
  private final HttpEngine engine;
  private final Token token = Token.generate();
  private final Map<String, String> headers;
  private final TasksInFlight inFlight;
  private final TaskSender sender;
  private final Object lock = new Object();
  // Written under lock; volatile because the scheduler reads it for every job it places.
  private volatile State state = State.NEW;
  private SlaveAnnouncement announced = SlaveAnnouncement.NONE; // guarded by lock; set when live
  private volatile long lastHeartbeatNanos;
  private volatile Map<String, Object> connectData = Map.of();
  private volatile Duration taskTimeout = Duration.ZERO;
  private volatile List<String> givenLabels = List.of();
  private volatile List<String> labels = List.of(); // given and announced, set when live
  private volatile boolean joined;
  private volatile SlaveConnection replacing; // a joined slave's old connection, ended once this one is made

  /** Where a connection is in its life. */
  public enum State {
    /** Made, {@code connect()} not yet called (or it failed). */
    NEW,
    /** {@code /connect} is being sent. */
    CONNECTING,
    /** Live: tasks may be sent. */
    CONNECTED,
    /** Ended; a new connection with the same name may be made. */
    CLOSED
  }

  SlaveConnection(ConnectionContext context, String name, BaseUrl slaveAddress) {
    MasterConfig config = context.config();
    this.context = context;
    this.inFlight = new TasksInFlight(this, context);
    this.name = name;
    this.slaveAddress = slaveAddress;
    this.engine = SlaveEngines.standard(config, slaveAddress);
    this.headers = Map.of(Headers.CHANNEL, Long.toString(config.channel()), Headers.TOKEN, token.value());
    this.sender = new TaskSender(this, context.hooks(), engine, headers, inFlight);
  }

  /**
   * Marks this connection as made for a slave that joined ({@link Joins}): its {@code /connect} is
   * sent once, with a short answer time (the slave retries its join), and, if the master has a
   * shared secret, the slave must prove it in its answer, or the connection is not made: a join
   * replayed by someone without the secret gets the master to connect to them, and no further
   * ({@link ConnectHandshake}).
   */
  void joined() {
    this.joined = true;
  }

  /**
   * Marks this joined connection as the successor of {@code old}, the live connection of the same
   * name and address: {@code old} is ended only once this one's {@code /connect} has succeeded
   * (the slave restarted, or dropped its end of {@code old}). A slave still on {@code old} refuses
   * the new {@code /connect} as already connected, and {@code old} goes on: a join, which anyone
   * may send to a master with open joins, never ends a live connection by itself.
   */
  void replacing(SlaveConnection old) {
    this.replacing = old;
  }

  /** The connection this one is to replace once connected; null for most. */
  SlaveConnection replacing() {
    return replacing;
  }

  /**
   * Sets the data that the default before-connect hook sends with {@code /connect}; chainable.
   * Call before {@link #connect()}.
   */
  public SlaveConnection connectData(Map<String, Object> data) {
    this.connectData = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(data, "data == null")));
    return this;
  }

  /**
   * Labels given on the master, for a slave that cannot announce its own (a reference slave): the
   * scheduler routes by them as by announced ones ({@link Labels#RULE}).
   * Chainable; call before {@link #connect()}.
   */
  public SlaveConnection labels(Collection<String> labels) {
    this.givenLabels = Labels.require(labels);
    return this;
  }

  /**
   * The labels the scheduler routes by: those given with {@link #labels(Collection)} and
   * those the slave announced, sorted; before the connection is live, only the given ones.
   */
  public List<String> labels() {
    return isConnected() ? labels : givenLabels;
  }

  /** The data given to {@link #connectData(Map)}; empty if none was. */
  public Map<String, Object> connectData() {
    return connectData;
  }

  /**
   * The timeout of tasks made on this connection that set none themselves ({@link
   * Task#timeout(Duration)}); {@link Duration#ZERO}, the default, for none. Chainable.
   */
  public SlaveConnection taskTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout == null");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("taskTimeout < 0: " + timeout);
    }
    this.taskTimeout = timeout;
    return this;
  }

  /** The default task timeout; zero for none. */
  public Duration taskTimeout() {
    return taskTimeout;
  }

  /** The name this connection is registered under. */
  public String name() {
    return name;
  }

  /** The slave's address, e.g. {@code http://10.0.0.7:7236}. */
  public BaseUrl slaveAddress() {
    return slaveAddress;
  }

  /** Where the connection is in its life. */
  public State state() {
    return state;
  }

  /** Whether the connection is live. */
  public boolean isConnected() {
    return state() == State.CONNECTED;
  }

  /** How many tasks the slave runs at once, as it announced; 1 for a reference slave. */
  public int slots() {
    synchronized (lock) {
      return announced.slots();
    }
  }

  /** The extensions the slave announced; empty for a reference slave. */
  public List<String> extensions() {
    synchronized (lock) {
      return announced.extensions();
    }
  }

  /** Tasks sent and not yet final. */
  public int tasksInFlight() {
    return inFlight.size();
  }

  /**
   * Slots not taken by a task in flight: {@code slots() - tasksInFlight()}, never below 0. A slot
   * frees when its task is final here; a slave whose processor ignored a stop may still be busy.
   */
  public int freeSlots() {
    return Math.max(0, slots() - inFlight.size());
  }

  /** Time since the slave's last heartbeat (or since the connection was made). */
  public Duration lastHeartbeatAge() {
    return Duration.ofNanos(System.nanoTime() - lastHeartbeatNanos);
  }

  /**
   * Sends {@code /connect} through the hooks and makes the connection live.
   *
   * @return the after-connect hook's value (by default the answer's data)
   * @throws IllegalStateException if already connected or closed, or if another live connection
   *     took the name meanwhile
   * @throws dev.taskwire.common.protocol.SlaveResponseException if the slave refused (wrong
   *     channel, already connected, its hook refused); nothing is registered
   * @throws IOException if the slave could not be reached and the error hook rethrew
   */
  public Object connect() throws IOException {
    synchronized (lock) {
      if (state != State.NEW) {
        throw new IllegalStateException("connection " + name + " cannot connect: it is " + state);
      }
      state = State.CONNECTING;
    }
    ConnectHandshake handshake = new ConnectHandshake(context, slaveAddress, token, headers, engine, joined);
    boolean registered = false;
    boolean connected = false;
    try {
      ConnectHandshake.Offer offer = handshake.offer(context.hooks().beforeConnect(this));
      // Registered before the request: a slave may heartbeat before its answer arrives here.
      context.connections().addPending(this, replacing);
      registered = true;
      lastHeartbeatNanos = System.nanoTime();
      Envelope answer;
      try {
        answer = handshake.send(offer);
      } catch (IOException e) {
        return context.hooks().errorConnect(this, e);
      }
      SlaveAnnouncement announcement;
      try {
        announcement = handshake.accept(answer, offer);
      } catch (ConnectHandshake.NotAFleetSlave e) {
        disconnectQuietly(); // it holds our token now: let it go
        throw e;
      }
      goLive(announcement);
      connected = true;
      log.info("Connected {} to slave {} ({} slot{})", name, slaveAddress, slots(), slots() == 1 ? "" : "s");
      context.events().connectionLive(this);
      return context.hooks().afterConnect(this, answer);
    } finally {
      if (!connected) {
        if (registered) {
          context.connections().forget(this);
        }
        synchronized (lock) {
          if (state == State.CONNECTING) {
            state = State.NEW;
          }
        }
      }
    }
  }

  /**
   * CONNECTING to CONNECTED with what the slave announced, then live in the registry, ending the
   * connection this one replaces on the way.
   *
   * @throws IllegalStateException if the connection ended meanwhile (the master is shutting down)
   */
  private void goLive(SlaveAnnouncement announcement) {
    synchronized (lock) {
      if (state != State.CONNECTING || context.isShuttingDown()) {
        // Ended while /connect was under way (the master is shutting down): let the slave go.
        disconnectQuietly();
        throw new IllegalStateException("connection " + name + " ended while connecting: the master is shutting down");
      }
      announced = announcement;
      TreeSet<String> all = new TreeSet<>(givenLabels);
      all.addAll(announcement.labels());
      labels = List.copyOf(all);
      state = State.CONNECTED;
    }
    SlaveConnection old = replacing;
    if (old != null) {
      log.info("Slave {} joined again at {}: ending its old connection", name, slaveAddress);
      old.end(TaskFailure.Reason.LOST, "replaced: the slave restarted and joined again");
    }
    context.connections().makeLive(this);
  }

  /** Best-effort {@code /disconnect} without hooks, for a connection the master cannot keep. */
  private void disconnectQuietly() {
    try {
      context.background().execute(() -> {
        try {
          sendToSlave("DELETE", "/disconnect", new DisconnectRequest(Map.of()));
        } catch (IOException | RuntimeException e) {
          log.info("Could not tell {} that its connection ended: {}", name, e.toString());
        }
      });
    } catch (RejectedExecutionException stopped) {
      log.info("Not telling {} that its connection ended: the master stopped", name);
    }
  }

  /**
   * Sends {@code /disconnect} through the hooks and ends the connection; tasks in flight fail with
   * reason LOST.
   *
   * @return the after-disconnect hook's value (by default the answer's data)
   * @throws IllegalStateException if not connected
   * @throws dev.taskwire.common.protocol.SlaveResponseException if the slave refused; the connection
   *     stays live
   * @throws IOException if the slave could not be reached and the error hook rethrew; the
   *     connection stays live (use {@link Master#remove(String)} to drop it regardless)
   */
  public Object disconnect() throws IOException {
    if (!isConnected()) {
      throw new IllegalStateException("connection " + name + " is not connected (it is " + state() + ")");
    }
    Map<String, Object> data = context.hooks().beforeDisconnect(this);
    Envelope answer;
    try {
      answer = engine.send("DELETE", "/disconnect", new DisconnectRequest(data == null ? Map.of() : data), headers);
    } catch (IOException e) {
      return context.hooks().errorDisconnect(this, e);
    }
    end(TaskFailure.Reason.LOST, "disconnected");
    return context.hooks().afterDisconnect(this, answer);
  }

  /** Disconnects if connected; does nothing otherwise. Lets try-with-resources end a connection. */
  @Override
  public void close() throws IOException {
    if (isConnected()) {
      disconnect();
    }
  }

  /**
   * Makes a task carrying {@code data} (a JSON object: maps, lists, strings, numbers, booleans,
   * null). Send it with {@link Task#start()}.
   */
  public Task newTask(Map<String, Object> data) {
    return new Task(this, inFlight, data, context.resultExecutor());
  }

  /**
   * Takes up the task {@code taskId} that this slave still runs (or holds the result of) from
   * before the master restarted (extension "adopt"): a task in flight with that wire id and {@code
   * data}, never sent, that the slave's report ends as any other. For the scheduler's restart.
   *
   * @param timeout its timeout from now; zero for the connection's default
   * @throws IllegalStateException if the connection is not live
   */
  public Task adopt(String taskId, Map<String, Object> data, java.time.Duration timeout) {
    Task task = new Task(this, inFlight, data, context.resultExecutor(), TaskId.parse(taskId));
    if (!timeout.isZero()) {
      task.timeout(timeout);
    }
    task.markAdopted();
    synchronized (lock) {
      if (state != State.CONNECTED) {
        throw new IllegalStateException("connection " + name + " is not connected (it is " + state + ")");
      }
      inFlight.add(task);
    }
    inFlight.started(task); // its timeout runs from now
    return task;
  }

  /** The wire ids of the tasks the slave said it still runs or holds results of for this master; empty if none. */
  public List<String> heldTaskIds() {
    synchronized (lock) {
      return announced.held();
    }
  }

  /** Sends {@code task} through the hooks; called by {@link Task#start()}. */
  void send(Task task) throws IOException {
    sender.send(task);
  }

  /**
   * Puts {@code task} in flight if the connection is live; called by {@link TaskSender} before the
   * task's {@code /task/new}, since the slave may report before its answer arrives here. Under the
   * lock with the state check, so that {@link #end} either sees the task or the sender sees CLOSED.
   *
   * @return false if the task is final already (cancelled while the before-new-task hook ran)
   * @throws IllegalStateException if the connection is not live; the task is then START_FAILED
   */
  boolean admit(Task task) {
    synchronized (lock) {
      if (state != State.CONNECTED) {
        task.markStartFailed("connection " + name + " ended before the task was sent");
        throw new IllegalStateException("connection " + name + " is not connected (it is " + state + ")");
      }
      if (task.status().isFinal()) {
        return false;
      }
      inFlight.add(task);
      return true;
    }
  }

  /** Whether the slave announced the {@code progress} extension: it reports progress, so a task on it may have a lease. */
  public boolean reportsProgress() {
    return extensions().contains(Extensions.PROGRESS);
  }

  /** Hands the slave's progress report to its task; returns false if no task in flight has that id. */
  boolean progress(String taskId, Map<String, Object> progress) {
    return inFlight.progress(taskId, progress);
  }

  /** Hands the slave's report to its task; returns false if no task in flight has that id. */
  boolean report(String taskId, boolean completed, Map<String, Object> result) {
    return inFlight.report(taskId, completed, result);
  }

  /** Sends a request to the slave with this connection's headers; for requests no hook sees. */
  Envelope sendToSlave(String method, String path, Object body) throws IOException {
    return engine.send(method, path, body, headers);
  }

  /** The slave's heartbeat arrived: the heartbeat check measures silence from now. */
  void heartbeat() {
    lastHeartbeatNanos = System.nanoTime();
  }

  /** The connection token, sent in every request both ways. */
  Token token() {
    return token;
  }

  /**
   * Ends the connection locally (no request to the slave) and fails every task in flight with
   * {@code reason}. Safe to call more than once; returns whether this call ended it.
   */
  boolean end(TaskFailure.Reason reason, String why) {
    synchronized (lock) {
      if (state == State.CLOSED) {
        return false;
      }
      state = State.CLOSED;
    }
    context.connections().forget(this);
    inFlight.endAll(reason, why);
    context.events().connectionEnded(this);
    return true;
  }

  /**
   * Ends the connection because the slave fell silent (the heartbeat check): as {@link #end} with
   * reason LOST, then tells the lost-connection hook.
   */
  void drop(String why) {
    if (!end(TaskFailure.Reason.LOST, why)) {
      return; // ended meanwhile for another reason
    }
    try {
      context.hooks().lostConnection(this, why);
    } catch (RuntimeException e) {
      log.error("The lost-connection hook of {} failed", name, e);
    }
  }

  @Override
  public String toString() {
    return "SlaveConnection{" + name + " -> " + slaveAddress + ", " + state() + "}";
  }

  /** {@code name} if it follows {@link ConnectionNames#RULE}; otherwise IllegalArgumentException. */
  static String requireName(String name) {
    return ConnectionNames.require(name);
  }
}
