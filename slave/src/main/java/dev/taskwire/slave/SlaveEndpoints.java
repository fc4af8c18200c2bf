package dev.taskwire.slave;

import static dev.taskwire.common.protocol.SlaveErrorCode.CHANNEL_INVALID;
import static dev.taskwire.common.protocol.SlaveErrorCode.CHANNEL_NOT_FOUND;
import static dev.taskwire.common.protocol.SlaveErrorCode.MASTER_TOKEN_INVALID;
import static dev.taskwire.common.protocol.SlaveErrorCode.MASTER_TOKEN_NOT_FOUND;
import static dev.taskwire.common.protocol.SlaveErrorCode.SELF_TOKEN_INVALID;
import static dev.taskwire.common.protocol.SlaveErrorCode.SELF_TOKEN_NOT_FOUND;
import static dev.taskwire.common.protocol.SlaveErrorCode.SLAVE_ALREADY_CONNECTED;
import static dev.taskwire.common.protocol.SlaveErrorCode.SLAVE_CONNECTION_REFUSED;
import static dev.taskwire.common.protocol.SlaveErrorCode.SLAVE_DISCONNECTION_REFUSED;
import static dev.taskwire.common.protocol.SlaveErrorCode.SLAVE_NOT_CONNECTED;
import static dev.taskwire.common.protocol.SlaveErrorCode.SYSTEM_SHUTTING_DOWN;
import static dev.taskwire.common.protocol.SlaveErrorCode.TASK_ALREADY_EXIST;
import static dev.taskwire.common.protocol.SlaveErrorCode.TASK_REFUSED;

import dev.taskwire.common.http.BaseUrl;
import dev.taskwire.common.http.JsonServer;
import dev.taskwire.common.http.RequestChecks;
import dev.taskwire.common.json.Json;
import dev.taskwire.common.json.JsonFields;
import dev.taskwire.common.json.JsonFormatException;
import dev.taskwire.common.protocol.Extensions;
import dev.taskwire.common.protocol.Headers;
import dev.taskwire.common.protocol.Messages.Held;
import dev.taskwire.common.protocol.Messages.Proof;
import dev.taskwire.common.protocol.Messages.TaskwireInfo;
import dev.taskwire.common.protocol.ProtocolDefaults;
import dev.taskwire.common.protocol.TaskId;
import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.security.ProofCheck;
import dev.taskwire.common.util.LogSafe;
import dev.taskwire.common.util.LogThrottle;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP endpoints of a slave (docs/protocol.md, "Endpoints of a slave"). Every request from a master
 * is checked in the protocol's order: shutting down, channel, token, body. Handlers only throw; the
 * {@link JsonServer} turns each exception into its envelope.
 */
final class SlaveEndpoints {
  private static final Logger log = LoggerFactory.getLogger(SlaveEndpoints.class);
  /** The extensions a Taskwire slave announces in its {@code /connect} answer. */
  static final List<String> EXTENSIONS =
      List.of(Extensions.SLOTS, Extensions.PROGRESS, Extensions.CANCEL, Extensions.HEALTH, Extensions.IDEMPOTENT_NEW_TASK);
  /**
   * {@link #EXTENSIONS} and "adopt", announced only to a master that announced "adopt" itself: no
   * other master (a reference one, an older Taskwire one) sees anything of it.
   */
  static final List<String> EXTENSIONS_WITH_ADOPT = java.util.stream.Stream.concat(EXTENSIONS.stream(),
      java.util.stream.Stream.of(Adoption.EXTENSION)).toList();

  private final Slave slave;
  private final SlaveConfig config;
  private final MasterLinks links;
  private final TaskRunner runner;
  private final Adoption adoption;
  private final JsonServer server;
  private final AtomicBoolean connecting = new AtomicBoolean();
  private final RequestChecks checks;
  private final ProofCheck proofs; // null without a shared secret
  private final OwnAddresses ownAddresses;
  /** Refused {@code /connect}s are logged at most once a minute per reason: anyone can cause them. */
  private static final java.time.Duration REFUSAL_LOG_INTERVAL = java.time.Duration.ofMinutes(1);
  private final LogThrottle refusals = new LogThrottle(REFUSAL_LOG_INTERVAL);

  SlaveEndpoints(Slave slave, SlaveConfig config, MasterLinks links, TaskRunner runner, Adoption adoption,
      JsonServer server, ProofCheck proofs) {
    this.slave = slave;
    this.config = config;
    this.links = links;
    this.runner = runner;
    this.adoption = adoption;
    this.server = server;
    this.proofs = proofs;
    this.ownAddresses = new OwnAddresses(config.advertise(), config.tls() != null, slave::port);
    this.checks = new RequestChecks(new RequestChecks.Codes(SYSTEM_SHUTTING_DOWN, CHANNEL_NOT_FOUND, CHANNEL_INVALID,
        SELF_TOKEN_NOT_FOUND, SELF_TOKEN_INVALID, "Slave"), config.channel(), slave.selfToken(), slave::isShuttingDown);
  }

  void register() {
    server.post("/connect", this::connect);
    server.delete("/disconnect", this::disconnect);
    server.post("/task/new", this::newTask);
    server.post("/task/cancel", this::cancelTask);
    checks.registerSelfEndpoints(server, slave::shutdownInBackground);
    server.get("/health", this::health);
  }

  private void connect(Context ctx) {
    checks.notShuttingDown();
    checks.channel(ctx);
    String token = requireToken(ctx);
    Map<String, Object> body = server.body(ctx);
    // The proof first, before anything of the body is read strictly: an unproven caller gets none
    // of what it sent echoed back in an error. And before "already connected": a proof is used up
    // even when the slave is busy (so it cannot be replayed once it is free), and an unproven
    // caller learns nothing of the slave's state.
    requireProof(ctx, token, body);
    Map<String, Object> master = JsonFields.object(body, "master");
    BaseUrl address = masterAddress(master);
    TaskwireInfo announced = announcement(master);
    String masterId = Adoption.masterId(announced); // null unless it announced "adopt" with a valid id
    MasterLink current = links.current();
    if (current != null && masterId != null && masterId.equals(current.masterId())) {
      // The same master, restarted: its old link is dead (this /connect brings a new token), so
      // it ends now, its tasks and results held for this id, rather than after the tolerance.
      links.lose(current, new java.io.IOException("master " + masterId + " connected again (restarted)"));
    }
    if (links.current() != null) {
      throw SLAVE_ALREADY_CONNECTED.exception("This slave already connected.");
    }
    List<String> extensions = announced.extensions() == null ? List.of() : announced.extensions();
    Duration tolerance = masterTolerance(announced);
    Map<String, Object> data = JsonFields.objectOrEmpty(body, "data");
    // One /connect at a time past this point, so that a hook never accepts a master that then
    // loses the race to another.
    if (!connecting.compareAndSet(false, true)) {
      throw SLAVE_ALREADY_CONNECTED.exception("This slave already connected.");
    }
    MasterLink link;
    try {
      try {
        config.hooks().beforeConnection(data);
      } catch (ConnectionRefused refused) {
        throw SLAVE_CONNECTION_REFUSED.exception("Connection refused!", refused.data());
      }
      link = links.connectIfFree(() -> MasterLink.create(Token.of(token), address, extensions, tolerance, masterId, config));
      if (link == null) {
        throw SLAVE_ALREADY_CONNECTED.exception("This slave already connected.");
      }
    } finally {
      connecting.set(false);
    }
    Held held = adoption.held(link, runner::runningFor);
    if (held != null) {
      // A resent /task/new of a task still running here is the same task, on this link too.
      held.running().forEach(id -> link.receive(TaskId.parse(id)));
      log.info("Master id {} connected again: {} task(s) still running and {} result(s) held for it", masterId,
          held.running().size(), held.results().size());
    }
    TaskwireInfo own = ownAnnouncement(token, announced.proof(), extensions.contains(Adoption.EXTENSION));
    JsonServer.success(ctx, "Connect success.", Map.of(Extensions.TASKWIRE_KEY, held == null ? own : own.withHeld(held)));
  }

  private void disconnect(Context ctx) {
    checks.notShuttingDown();
    checks.channel(ctx);
    MasterLink link = requireConnectionToken(ctx);
    Map<String, Object> data = JsonFields.objectOrEmpty(server.body(ctx), "data");
    try {
      config.hooks().beforeDisconnection(data);
    } catch (DisconnectionRefused refused) {
      throw SLAVE_DISCONNECTION_REFUSED.exception("Disconnection refused!", refused.data());
    }
    if (!links.end(link)) {
      throw SLAVE_NOT_CONNECTED.exception("This slave not connected yet.");
    }
    JsonServer.success(ctx, "Disconnect success.", null);
  }

  private void newTask(Context ctx) {
    checks.notShuttingDown();
    checks.channel(ctx);
    MasterLink link = requireConnectionToken(ctx);
    Map<String, Object> body = server.dataBody(ctx);
    TaskId taskId = taskId(body);
    Map<String, Object> data = JsonFields.objectOrEmpty(body, "data");
    // Extension "idempotent task/new": a resend of a task this connection already has is not a
    // second task. A reference master never resends, and gets the reference's answers.
    boolean idempotent = link.masterSupports(Extensions.IDEMPOTENT_NEW_TASK);
    if (idempotent && !link.receive(taskId)) {
      JsonServer.success(ctx, "Task already received.", null);
      return;
    }
    boolean started = false;
    try {
      if (!runner.tryReserveSlot()) {
        throw TASK_ALREADY_EXIST.exception("Already has a task.");
      }
      try {
        config.hooks().beforeTask(data);
      } catch (RuntimeException e) {
        runner.releaseSlot();
        if (e instanceof TaskRefused refused) {
          throw TASK_REFUSED.exception("Task refused!", refused.data());
        }
        throw e;
      }
      runner.start(link, taskId, data);
      started = true;
    } finally {
      if (idempotent && !started) {
        link.forget(taskId); // refused: a later resend is a new request, not a repeat
      }
    }
    JsonServer.success(ctx, "Task received!", null);
  }

  /** Extension "cancel": stops a running task, which is then reported failed with {@code {"cancelled": true}}. */
  private void cancelTask(Context ctx) {
    checks.notShuttingDown();
    checks.channel(ctx);
    requireConnectionToken(ctx);
    TaskId taskId = taskId(server.body(ctx));
    // Idempotent: a task that already ended (or never ran here) has nothing left to stop.
    boolean stopped = runner.cancel(taskId);
    JsonServer.success(ctx, stopped ? "Task cancelled." : "Task not running.", null);
  }



  private void health(Context ctx) {
    checks.notShuttingDown();
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("state", slave.isConnected() ? "connected" : "idle");
    data.put("slots", config.slots());
    data.put("running", runner.running());
    Map<String, Object> join = slave.joinStatus();
    if (join != null) {
      data.put("join", join);
    }
    JsonServer.success(ctx, "Healthy.", data);
  }

  /**
   * The tolerance a Taskwire master announced, clamped to [0, {@code maxMasterTolerance}]: it sets
   * how long this slave keeps a connection whose heartbeats fail, and nothing a peer sends may
   * keep a dead connection forever. Zero for a reference master.
   */
  private Duration masterTolerance(TaskwireInfo announced) {
    Long millis = announced.heartbeatToleranceMs();
    if (millis == null || millis <= 0) {
      return Duration.ZERO;
    }
    Duration max = config.maxMasterTolerance();
    return millis >= max.toMillis() ? max : Duration.ofMillis(millis);
  }

  /**
   * With a shared secret, a master must prove it knows it, over this very request (its channel,
   * token and callback address) and to this very slave ({@link OwnAddresses}): otherwise 403
   * SLAVE_CONNECTION_REFUSED, which a reference master takes as a refusal, with {@code
   * data.reason} saying why. Checked before the hook, so that no
   * hook ever sees an unproven master, and before the body is checked field by field: the fields
   * the proof covers are read as they come, and a body without them has no valid proof either.
   */
  private void requireProof(Context ctx, String token, Map<String, Object> body) {
    if (proofs == null) {
      return;
    }
    Map<?, ?> master = body.get("master") instanceof Map<?, ?> map ? map : Map.of();
    String masterAddress = master.get("address") instanceof String text ? text : "";
    ProofCheck.Refusal refusal = proofs.checkConnect(announcement(master).proof(), config.channel(), token, masterAddress,
        ownAddresses);
    if (refusal != null) {
      long heldBack = refusals.pass(refusal.reason());
      if (heldBack >= 0) {
        log.warn("Refused a /connect from {} (claiming callback address {}): {}{}", ctx.req().getRemoteAddr(),
            LogSafe.escape(masterAddress), refusal.message(), LogThrottle.heldBack(heldBack, REFUSAL_LOG_INTERVAL));
      }
      throw SLAVE_CONNECTION_REFUSED.exception("Connection refused!",
          Map.of("reason", refusal.reason(), "message", refusal.message()));
    }
  }

  /**
   * This slave's extension block; with a shared secret, it proves the secret over the master's own
   * proof, so that a master can tell a slave of its fleet from whoever answers at an address (it
   * requires this of slaves that joined).
   */
  private TaskwireInfo ownAnnouncement(String token, Proof masterProof, boolean adopting) {
    TaskwireInfo info = TaskwireInfo.ofSlave(ProtocolDefaults.TASKWIRE_VERSION, config.slots(),
        adopting ? EXTENSIONS_WITH_ADOPT : EXTENSIONS, config.labels());
    return proofs == null ? info : info.withProof(proofs.proveAnswer(config.channel(), token, masterProof.mac()));
  }



  private static String requireToken(Context ctx) {
    String token = RequestChecks.singleHeader(ctx, Headers.TOKEN, MASTER_TOKEN_NOT_FOUND);
    if (token == null || token.isEmpty()) {
      throw MASTER_TOKEN_NOT_FOUND.exception("Master token not found.");
    }
    return token;
  }

  /** The live link whose token the request carries; a slave with no master has no token to match. */
  private MasterLink requireConnectionToken(Context ctx) {
    String token = requireToken(ctx);
    MasterLink link = links.current();
    if (link == null || !link.token().matches(token)) {
      throw MASTER_TOKEN_INVALID.exception("Master not match with this endpoint.");
    }
    return link;
  }


  private static TaskId taskId(Map<String, Object> body) {
    String id = JsonFields.string(JsonFields.object(body, "task"), "task.id", "id");
    try {
      return TaskId.parse(id);
    } catch (IllegalArgumentException e) {
      throw new JsonFormatException("task.id: " + e.getMessage());
    }
  }

  private static BaseUrl masterAddress(Map<String, Object> master) {
    String address = JsonFields.string(master, "master.address", "address");
    try {
      return BaseUrl.parse(address);
    } catch (IllegalArgumentException e) {
      // Escaped and cut: the address is whatever the caller sent, control characters and all.
      throw new JsonFormatException("master.address is not an http or https URL: " + LogSafe.escape(address));
    }
  }

  /** The master's extension block; an empty one for a reference master, or one we cannot read. */
  private static TaskwireInfo announcement(Map<?, ?> master) {
    if (master.get(Extensions.TASKWIRE_KEY) instanceof Map<?, ?> taskwire) {
      try {
        return Json.convert(taskwire, TaskwireInfo.class);
      } catch (JsonFormatException unreadable) {
        // Treated as a reference master: extensions are optional by the protocol.
      }
    }
    return new TaskwireInfo(null, null, List.of(), null, null, null);
  }
}
