package dev.taskwire.master;

import static dev.taskwire.common.protocol.MasterErrorCode.JOIN_CONNECT_FAILED;
import static dev.taskwire.common.protocol.MasterErrorCode.JOIN_NAME_TAKEN;
import static dev.taskwire.common.protocol.MasterErrorCode.JOIN_NOT_ENABLED;
import static dev.taskwire.common.protocol.MasterErrorCode.JOIN_REFUSED;
import static dev.taskwire.common.protocol.MasterErrorCode.SYSTEM_SHUTTING_DOWN;

import dev.taskwire.common.http.BaseUrl;
import dev.taskwire.common.json.JsonFormatException;
import dev.taskwire.common.protocol.CommonErrorCode;
import dev.taskwire.common.protocol.ConnectionNames;
import dev.taskwire.common.protocol.Messages.Proof;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.security.ProofCheck;
import dev.taskwire.common.util.LogSafe;
import dev.taskwire.common.util.LogThrottle;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes slaves that join by themselves (extension "join", {@code POST /slave/join}): checks that
 * joins are enabled and the slave's proof of the shared secret, then connects to the slave with the
 * ordinary {@code /connect} before answering, so that the slave learns whether it worked and, if
 * not, why. A joined connection is an ordinary connection from then on: listed by the admin API,
 * fed to the scheduler, dropped by the heartbeat check.
 *
 * <p>With a shared secret, the slave must prove it twice: in its join, and in its answer to the
 * master's {@code /connect} (a join replayed by someone without the secret, say to a master that
 * restarted since, makes the master connect to them, and that answer ends it). A master with TLS
 * takes joins only from slaves it will reach over https.
 *
 * <p>A join under the name of a live connection to the same address replaces it only if the new
 * {@code /connect} succeeds (the slave restarted, or lost its end of the connection, before the
 * master noticed: the old one's tasks fail LOST and the scheduler retries them); a slave still on
 * the old connection refuses it, and the old one goes on. One from another address is refused with
 * JOIN_NAME_TAKEN, so that two slaves given the same name cannot take each other's place in turn.
 *
 * <p>The address in a join is the sender's to choose, so the master never follows a redirect from
 * it ({@link dev.taskwire.common.http.HttpEngine}), and a failed connect-back is answered with a
 * category only (unreachable, not a Taskwire slave, refused with code N), never with what the far
 * side sent or an exception's text, and only once {@link MasterConfig#joinTimeout()} has passed
 * since the join came in: the answer tells nothing about what listens there. The details go to
 * this master's log, at most once a minute per source and cause.
 */
final class Joins {
  private static final Logger log = LoggerFactory.getLogger(Joins.class);
  /**
   * Joins connecting back at once; more are answered 429, which a slave retries. Each holds an HTTP
   * thread while the master's {@code /connect} is under way (up to the connect timeout and its
   * retries toward an address that does not answer), so a burst of joins cannot take every thread.
   */
  static final int MAX_CONCURRENT_JOINS = 32;

  /** Refused joins are logged at most once a minute per reason: anyone can cause them. */
  private static final java.time.Duration REFUSAL_LOG_INTERVAL = java.time.Duration.ofMinutes(1);
  private final LogThrottle refusals = new LogThrottle(REFUSAL_LOG_INTERVAL);
  private final LogThrottle connectBackFailures = new LogThrottle(REFUSAL_LOG_INTERVAL);
  private final java.util.concurrent.Semaphore connectingBack = new java.util.concurrent.Semaphore(MAX_CONCURRENT_JOINS);
  private final Master master;
  private final MasterConfig config;
  private final Connections connections;
  private final ProofCheck proofs; // null without a shared secret

  /** A request to join, as read from its body; {@code address} is null when the slave advertised none. */
  record Request(String name, String address, int port, boolean https, Proof proof) {}

  Joins(Master master, MasterConfig config, Connections connections, ProofCheck proofs) {
    this.master = master;
    this.config = config;
    this.connections = connections;
    this.proofs = proofs;
  }

  /** Whether this master takes joins at all. */
  boolean enabled() {
    return proofs != null || config.allowOpenJoin();
  }

  /** Refuses with JOIN_NOT_ENABLED unless this master takes joins. */
  void requireEnabled() {
    if (!enabled()) {
      throw JOIN_NOT_ENABLED.exception("This master takes no joins.", Map.of("reason",
          "the master has neither a shared secret (--secret-file) nor --allow-open-join"));
    }
  }

  /**
   * Connects to the slave of {@code request}, which came from {@code sourceAddress}; returns the
   * success answer's data.
   *
   * @throws ResponseException JOIN_REFUSED, JOIN_NAME_TAKEN or JOIN_CONNECT_FAILED
   */
  Map<String, Object> join(Request request, String sourceAddress) {
    requireEnabled();
    if (proofs != null) {
      ProofCheck.Refusal refusal =
          proofs.checkJoin(request.proof(), config.channel(), request.name(), request.address(), request.port(), request.https());
      if (refusal != null) {
        throw refused(request, sourceAddress, refusal.reason(), refusal.message());
      }
    }
    BaseUrl address = request.address() != null ? BaseUrl.parse(request.address())
        : BaseUrl.of(sourceAddress, request.port(), request.https());
    if (config.tls() != null && !address.https()) {
      // The master would send its token and proof in clear to the slave: no downgrade.
      throw refused(request, sourceAddress, "https required", "this master uses TLS and connects to slaves over https"
          + " only; give the slave TLS (--tls-cert, --tls-key) or an https --advertise URL");
    }
    if (!connectingBack.tryAcquire()) {
      throw CommonErrorCode.TOO_MANY_REQUESTS.exception("Too many joins at once; try again.", Map.of());
    }
    try {
      return connectBack(request, sourceAddress, address);
    } finally {
      connectingBack.release();
    }
  }

  private Map<String, Object> connectBack(Request request, String sourceAddress, BaseUrl address) {
    long startNanos = System.nanoTime();
    SlaveConnection existing = connections.live(request.name());
    if (existing != null && !existing.slaveAddress().equals(address)) {
      throw nameTaken(request.name(), "a live connection of this name goes to " + existing.slaveAddress());
    }
    SlaveConnection connection;
    try {
      connection = master.newConnection(request.name(), address, existing);
    } catch (IllegalStateException e) {
      // Another join under this name is under way, or the master began to shut down.
      throw connections.nameTaken(request.name()) ? nameTaken(request.name(), "another join under this name is under way")
          : SYSTEM_SHUTTING_DOWN.exception("System is shutting down.");
    }
    connection.joined();
    String failure;
    try {
      connection.connect();
      failure = connection.isConnected() ? null : "refused: a connect hook of the master kept the connection from being made";
    } catch (ResponseException e) {
      failure = e.code() == ResponseException.NO_ENVELOPE ? notTaskwire(address)
          : "refused: the slave at " + address + " answered with code " + e.code() + " (its log says why)";
      logConnectBackFailure(request.name(), sourceAddress, address,
          e.code() == ResponseException.NO_ENVELOPE ? "not a fleet slave" : "refused", "answered " + e.httpStatus()
          + " with code " + e.code() + ": " + LogSafe.escape(e.responseMessage()));
    } catch (ConnectHandshake.NotAFleetSlave e) {
      failure = notTaskwire(address) + "; " + e.getMessage();
      logConnectBackFailure(request.name(), sourceAddress, address, "not a fleet slave", "was answered, but " + e.getMessage());
    } catch (IOException e) {
      failure = "unreachable: the master could not reach a slave at " + address + " or got no answer within "
          + config.joinTimeout().toMillis() + " ms; if this is not where the slave listens, start it with --advertise URL";
      logConnectBackFailure(request.name(), sourceAddress, address, "unreachable", "failed: " + e);
    } catch (IllegalStateException e) {
      // The master is shutting down: nothing about the address.
      throw SYSTEM_SHUTTING_DOWN.exception("System is shutting down.");
    }
    if (failure != null) {
      answerNoSoonerThan(startNanos + config.joinTimeout().toNanos());
      throw JOIN_CONNECT_FAILED.exception("Could not connect to the joining slave.", Map.of("reason", failure,
          "address", address.toString()));
    }
    log.info("Slave {} joined from {} ({})", request.name(), LogSafe.escape(sourceAddress), address);
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("name", request.name());
    data.put("address", address.toString());
    return data;
  }

  private static String notTaskwire(BaseUrl address) {
    return "not a Taskwire slave: what answered at " + address + " is not a Taskwire slave of this fleet";
  }

  /**
   * Waits until {@code deadlineNanos}: a failed connect-back is answered at the same time whatever
   * failed, so that when the answer comes says nothing about what listens at the address (a closed
   * port fails at once, a silent one at the timeout). Holds one of {@link #MAX_CONCURRENT_JOINS}.
   */
  private static void answerNoSoonerThan(long deadlineNanos) {
    long remaining;
    while ((remaining = deadlineNanos - System.nanoTime()) > 0) {
      try {
        java.util.concurrent.TimeUnit.NANOSECONDS.sleep(remaining);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * The whole story of a failed connect-back goes to this log, not to the joining slave; at most
   * once a minute per joining source and {@code cause}, a category of ours: never text of the far
   * side's, which whoever runs it could vary to make every line a new key.
   */
  private void logConnectBackFailure(String name, String sourceAddress, BaseUrl address, String cause, String detail) {
    long heldBack = connectBackFailures.pass(sourceAddress + " " + cause);
    if (heldBack >= 0) {
      log.warn("Join of {} from {} failed: the master's /connect to {} {}{}", name, LogSafe.escape(sourceAddress), address,
          LogSafe.escape(detail), LogThrottle.heldBack(heldBack, REFUSAL_LOG_INTERVAL));
    }
  }

  private ResponseException refused(Request request, String sourceAddress, String reason, String message) {
    long heldBack = refusals.pass(reason);
    if (heldBack >= 0) {
      log.warn("Refused a join as {} from {}: {}{}", request.name(), LogSafe.escape(sourceAddress), message,
          LogThrottle.heldBack(heldBack, REFUSAL_LOG_INTERVAL));
    }
    return JOIN_REFUSED.exception("Join refused.", Map.of("reason", reason, "message", message));
  }

  private static ResponseException nameTaken(String name, String why) {
    return JOIN_NAME_TAKEN.exception("Name " + name + " taken.", Map.of("reason", why));
  }

  /**
   * The join request in {@code body}, checked: {@code slave.name} by {@link ConnectionNames#RULE},
   * {@code slave.address} an http(s) URL or absent, {@code slave.port} 1..65535 (needed without an
   * address), {@code slave.https} a boolean or absent.
   *
   * @throws JsonFormatException for anything else (answered 400 TASK_DATA_INVALID)
   */
  static Request parse(Map<String, Object> body) {
    if (!(body.get("slave") instanceof Map<?, ?> slave)) {
      throw new JsonFormatException("slave: expected an object");
    }
    if (!(slave.get("name") instanceof String name) || !ConnectionNames.isValid(name)) {
      throw new JsonFormatException("slave.name: " + ConnectionNames.RULE);
    }
    String address = null;
    if (slave.get("address") != null) {
      if (!(slave.get("address") instanceof String text)) {
        throw new JsonFormatException("slave.address: expected a string");
      }
      try {
        BaseUrl.parse(text);
      } catch (IllegalArgumentException e) {
        throw new JsonFormatException("slave.address is not an http or https URL: " + LogSafe.escape(text));
      }
      address = text;
    }
    int port = 0;
    if (slave.get("port") != null || address == null) {
      if (!(slave.get("port") instanceof Integer number) || number < 1 || number > 65535) {
        throw new JsonFormatException("slave.port: expected an integer 1..65535");
      }
      port = number;
    }
    boolean https = false;
    if (slave.get("https") != null) {
      if (!(slave.get("https") instanceof Boolean flag)) {
        throw new JsonFormatException("slave.https: expected a boolean");
      }
      https = flag;
    }
    return new Request(name, address, port, https, proof(body.get("proof")));
  }

  /** The proof, or null if absent or not of the proof's shape (refused as missing). */
  private static Proof proof(Object value) {
    if (value instanceof Map<?, ?> proof && (proof.get("timestamp") instanceof Integer || proof.get("timestamp") instanceof Long)
        && proof.get("mac") instanceof String mac) {
      return new Proof(((Number) proof.get("timestamp")).longValue(), mac);
    }
    return null;
  }
}
