package dev.taskwire.master;

import dev.taskwire.common.http.BaseUrl;
import dev.taskwire.common.http.HttpEngine;
import dev.taskwire.common.json.Json;
import dev.taskwire.common.protocol.Envelope;
import dev.taskwire.common.protocol.Extensions;
import dev.taskwire.common.protocol.Labels;
import dev.taskwire.common.protocol.Messages;
import dev.taskwire.common.protocol.Messages.ConnectRequest;
import dev.taskwire.common.protocol.Messages.MasterInfo;
import dev.taskwire.common.protocol.Messages.Proof;
import dev.taskwire.common.protocol.Messages.TaskwireInfo;
import dev.taskwire.common.protocol.ProtocolDefaults;
import dev.taskwire.common.protocol.Token;
import dev.taskwire.common.security.ProofCheck;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code /connect} of a {@link SlaveConnection}, in three steps that the connection calls
 * around its hooks and its registry: {@link #offer} makes the body (the master's taskwire block
 * and, with a shared secret, its proof), {@link #send} sends it, and {@link #accept} reads what the
 * slave announced in its answer and applies the join rules.
 *
 * <p>The join rules: a joined slave ({@link SlaveConnection#joined()}) must answer with a taskwire
 * block, and, if the master has a shared secret, prove it in that block; otherwise it is {@link
 * NotAFleetSlave}. A join replayed by someone without the secret gets the master to connect to
 * them, and no further. Its {@code /connect} is sent once and is over in {@link
 * MasterConfig#joinTimeout()} ({@link SlaveEngines#join}).
 */
final class ConnectHandshake {
  private static final Logger log = LoggerFactory.getLogger(ConnectHandshake.class);
  /** The extensions a Taskwire master announces in its {@code /connect} body. */
  static final List<String> EXTENSIONS =
      List.of(Extensions.SLOTS, Extensions.IDEMPOTENT_REPORTS, Extensions.CANCEL, Extensions.HEALTH,
          Extensions.IDEMPOTENT_NEW_TASK, Extensions.PROGRESS);

  private final ConnectionContext context;
  private final BaseUrl slaveAddress;
  private final Token token;
  private final Map<String, String> headers;
  private final HttpEngine engine;
  private final boolean joined;

  /** What the master sends: the body, and the proof in it (null without a shared secret). */
  record Offer(ConnectRequest body, Proof proof) {}

  /** A joined slave's answer to {@code /connect} that shows it is not a slave of this fleet; the connection is not made. */
  static final class NotAFleetSlave extends IllegalStateException {
    NotAFleetSlave(String message) {
      super(message);
    }
  }

  /**
   * A handshake with the slave at {@code slaveAddress} under the connection's {@code token} and
   * {@code headers}; {@code engine} is the connection's, used unless the slave {@code joined}.
   */
  ConnectHandshake(ConnectionContext context, BaseUrl slaveAddress, Token token, Map<String, String> headers,
      HttpEngine engine, boolean joined) {
    this.context = context;
    this.slaveAddress = slaveAddress;
    this.token = token;
    this.headers = headers;
    this.engine = engine;
    this.joined = joined;
  }

  /** The {@code /connect} body carrying {@code data} (the before-connect hook's; null for none). */
  Offer offer(Map<String, Object> data) {
    MasterConfig config = context.config();
    String myAddress = context.myAddress().get();
    TaskwireInfo announcement;
    if (context.masterId() == null) {
      announcement = TaskwireInfo.ofMaster(ProtocolDefaults.TASKWIRE_VERSION, EXTENSIONS, config.heartbeatTolerance().toMillis());
    } else {
      // A durable master: a slave that ran tasks for it before a restart hands them back.
      List<String> extensions = new java.util.ArrayList<>(EXTENSIONS);
      extensions.add(Extensions.ADOPT);
      announcement = TaskwireInfo.ofMaster(ProtocolDefaults.TASKWIRE_VERSION, extensions,
          config.heartbeatTolerance().toMillis()).withMasterId(context.masterId());
    }
    Proof proof = null;
    if (context.proofs() != null) {
      // Made now, not at start: the slave accepts a proof only within its clock window, and once.
      // It names this slave's address (its "to"): a proof seen by one slave is worth nothing at another.
      proof = context.proofs().proveConnect(config.channel(), token.value(), myAddress, slaveAddress.toString());
      announcement = announcement.withProof(proof);
    }
    return new Offer(new ConnectRequest(new MasterInfo(myAddress, announcement), data == null ? Map.of() : data), proof);
  }

  /**
   * Sends {@code offer}: through the connection's engine, or, for a joined slave, once through an
   * engine whose whole call is bounded by the join timeout.
   *
   * @throws dev.taskwire.common.protocol.SlaveResponseException if the slave refused
   * @throws IOException if the slave could not be reached
   */
  Envelope send(Offer offer) throws IOException {
    HttpEngine sender = joined ? SlaveEngines.join(context.config(), slaveAddress) : engine;
    return sender.send("POST", "/connect", offer.body(), headers);
  }

  /**
   * What the slave announced in {@code answer}, once the join rules are met.
   *
   * @throws NotAFleetSlave if the slave joined and answered without a taskwire block, or without a
   *     proof of the shared secret that matches {@code offer}'s; the caller lets the slave go
   */
  SlaveAnnouncement accept(Envelope answer, Offer offer) {
    SlaveAnnouncement announced = announcement(answer, slaveAddress);
    if (joined && !announced.taskwireBlock()) {
      throw new NotAFleetSlave("what answered at " + slaveAddress + " is not a Taskwire slave (its answer announces"
          + " no extensions, and only Taskwire slaves join)");
    }
    if (joined && offer.proof() != null) {
      ProofCheck.Refusal refusal = context.proofs().checkAnswer(announced.proof(), context.config().channel(),
          token.value(), offer.proof().mac());
      if (refusal != null) {
        throw new NotAFleetSlave("the slave at " + slaveAddress + " did not prove the shared secret in its answer ("
            + refusal.reason() + "): it is not a slave of this fleet");
      }
    }
    return announced;
  }

  /**
   * The taskwire block of {@code answer}, read leniently: it is a peer's, so slots are bounded and
   * bad labels dropped, and a block that cannot be read counts as a reference slave's (logged).
   * Fields read before a part that cannot be read are kept, as the connection always did.
   */
  static SlaveAnnouncement announcement(Envelope answer, BaseUrl slaveAddress) {
    Object taskwire = answer.dataOrEmpty().get(Extensions.TASKWIRE_KEY);
    if (!(taskwire instanceof Map<?, ?>)) {
      return SlaveAnnouncement.NONE;
    }
    int slots = SlaveAnnouncement.NONE.slots();
    List<String> extensions = SlaveAnnouncement.NONE.extensions();
    List<String> labels = SlaveAnnouncement.NONE.labels();
    Proof proof = null;
    List<String> held = List.of();
    try {
      TaskwireInfo info = Json.convert(taskwire, TaskwireInfo.class);
      if (info.slots() != null && info.slots() > 0) {
        slots = Math.min(info.slots(), SlaveAnnouncement.MAX_SLOTS);
      }
      if (info.extensions() != null) {
        extensions = List.copyOf(info.extensions());
      }
      if (info.labels() != null) {
        labels = Labels.lenient(info.labels());
      }
      proof = info.proof();
      held = held(info.held());
    } catch (RuntimeException e) {
      log.warn("Slave {} announced an unreadable extension block; treating it as a reference slave: {}", slaveAddress, e.toString());
    }
    return new SlaveAnnouncement(true, slots, extensions, labels, proof, held);
  }

  /** The task ids of a slave's {@code held} block, running first, at most {@link SlaveAnnouncement#MAX_HELD}. */
  private static List<String> held(Messages.Held held) {
    if (held == null) {
      return List.of();
    }
    List<String> ids = new java.util.ArrayList<>();
    for (List<String> part : java.util.Arrays.asList(held.running(), held.results())) {
      if (part != null) {
        for (String id : part) {
          if (id != null && ids.size() < SlaveAnnouncement.MAX_HELD) {
            ids.add(id);
          }
        }
      }
    }
    return List.copyOf(ids);
  }
}
