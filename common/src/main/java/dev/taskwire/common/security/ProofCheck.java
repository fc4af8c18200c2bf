package dev.taskwire.common.security;

import dev.taskwire.common.protocol.Messages.Proof;
import dev.taskwire.common.util.LogSafe;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Makes and checks proofs of a {@link SharedSecret}: {@code {"timestamp": <ms since the epoch>,
 * "mac": <hex>}}, the MAC being HMAC-SHA256 over a purpose ({@code "connect"}, {@code "join"}), the
 * request's own fields (its channel, connection token, addresses) and the timestamp.
 *
 * <p>A proof is accepted once: when its MAC matches, its timestamp is within {@link
 * #MAX_CLOCK_SKEW} of this host's clock and not older than this check itself (the process's
 * start), and the same proof was not accepted before. Accepted proofs are remembered until their
 * timestamp leaves the window, so a captured request cannot be replayed to this process: not
 * later (its timestamp is stale), not sooner (it is remembered), not after a restart (it is older
 * than the process). A peer whose clock is behind this one's is refused for that much time after
 * a start, and let in as soon as its clock passes it. Only requests with a valid MAC are
 * remembered, so memory grows only with genuine requests. Thread-safe.
 *
 * <p>Three proofs make a fleet's trust: a master's {@code /connect} ({@link #proveConnect}, bound
 * to the slave it is sent to), a
 * slave's join ({@link #proveJoin}), and a slave's answer to a {@code /connect} ({@link
 * #proveAnswer}), which a master requires of a slave that joined: a join replayed by someone
 * without the secret makes the master connect to them, and the answer they cannot prove ends it.
 */
public final class ProofCheck {
  /** How far the clocks of the two hosts may differ, either way. */
  public static final Duration MAX_CLOCK_SKEW = Duration.ofSeconds(60);

  /** Why a proof was refused: {@code reason} is a short word for the wire, {@code message} says it for people. */
  public record Refusal(String reason, String message) {
    static final Refusal MISSING = new Refusal("proof missing",
        "no proof of the shared secret (the peer has no --secret-file, or is not Taskwire)");
    static final Refusal INVALID = new Refusal("proof invalid",
        "the proof of the shared secret does not match (a different secret, or a changed request)");
    static final Refusal REPLAYED = new Refusal("proof replayed", "this proof was already used once");
  }

  private final SharedSecret secret;
  private final LongSupplier clockMillis;
  private final long skewMillis = MAX_CLOCK_SKEW.toMillis();
  private final long notBefore;
  private final Map<String, Long> accepted = new LinkedHashMap<>(); // MAC -> until when it is remembered; guarded by itself

  /** Proofs of {@code secret}, timed by the system clock. */
  public ProofCheck(SharedSecret secret) {
    this(secret, System::currentTimeMillis);
  }

  /** Proofs of {@code secret}, timed by {@code clockMillis}: for tests of the clock window. */
  public ProofCheck(SharedSecret secret, LongSupplier clockMillis) {
    this.secret = Objects.requireNonNull(secret, "secret == null");
    this.clockMillis = Objects.requireNonNull(clockMillis, "clockMillis == null");
    this.notBefore = clockMillis.getAsLong();
  }

  /** The secret proofs are made with; its fingerprint may be logged, never the secret. */
  public SharedSecret secret() {
    return secret;
  }

  /**
   * A master's proof for its {@code /connect} to the slave at {@code slaveAddress}: over the
   * channel, the connection token, its callback address and that slave's address, which the proof
   * names in {@code to}, so that a proof seen by one slave is worth nothing at another.
   */
  public Proof proveConnect(long channel, String token, String masterAddress, String slaveAddress) {
    Proof proof = prove("connect", connectFields(channel, token, masterAddress, slaveAddress));
    return new Proof(proof.timestamp(), proof.mac(), slaveAddress);
  }

  /**
   * {@link #check} of a {@code /connect}'s proof, as {@link #proveConnect} made it, by a slave for
   * which {@code addressedHere} tells whether an address is its own: a proof for another slave is
   * refused ("proof for another slave") even when it is genuine.
   */
  public Refusal checkConnect(Proof proof, long channel, String token, String masterAddress,
      Predicate<String> addressedHere) {
    String to = proof == null || proof.to() == null ? "" : proof.to();
    Refusal refusal = check(proof, "connect", connectFields(channel, token, masterAddress, to));
    if (refusal == null && !addressedHere.test(to)) {
      return new Refusal("proof for another slave", "the proof was made for the slave at " + LogSafe.escape(to)
          + ", which is not this one (a slave that masters reach through a proxy, a port mapping or NAT needs"
          + " --advertise with the address they use)");
    }
    return refusal;
  }

  /**
   * A slave's proof for its join: over the channel and everything the join says of the slave (its
   * name, advertised address or null, port, and whether it serves https).
   */
  public Proof proveJoin(long channel, String name, String address, int port, boolean https) {
    return prove("join", joinFields(channel, name, address, port, https));
  }

  /** {@link #check} of a join's proof, as {@link #proveJoin} made it. */
  public Refusal checkJoin(Proof proof, long channel, String name, String address, int port, boolean https) {
    return check(proof, "join", joinFields(channel, name, address, port, https));
  }

  /**
   * A slave's proof in its answer to a {@code /connect}: over the channel, the connection token and
   * the MAC of the master's own proof, so it answers that very request.
   */
  public Proof proveAnswer(long channel, String token, String connectMac) {
    return prove("answer", channel + "", token, connectMac);
  }

  /** {@link #check} of a {@code /connect} answer's proof, as {@link #proveAnswer} made it. */
  public Refusal checkAnswer(Proof proof, long channel, String token, String connectMac) {
    return check(proof, "answer", channel + "", token, connectMac);
  }

  private static String[] connectFields(long channel, String token, String masterAddress, String slaveAddress) {
    return new String[] {Long.toString(channel), token, masterAddress, slaveAddress};
  }

  private static String[] joinFields(long channel, String name, String address, int port, boolean https) {
    return new String[] {Long.toString(channel), name, address == null ? "" : address, Integer.toString(port),
        Boolean.toString(https)};
  }

  /** A fresh proof for {@code purpose} over {@code fields}. */
  Proof prove(String purpose, String... fields) {
    long now = clockMillis.getAsLong();
    return new Proof(now, secret.mac(macInput(purpose, now, fields)));
  }

  /**
   * Null if {@code proof} (null when the request carried none) proves the secret for {@code
   * purpose} over {@code fields} and was not used before (it is remembered from now on);
   * otherwise why not.
   */
  Refusal check(Proof proof, String purpose, String... fields) {
    if (proof == null || proof.timestamp() == null || proof.mac() == null) {
      return Refusal.MISSING;
    }
    long timestamp = proof.timestamp();
    if (!secret.verifies(proof.mac(), macInput(purpose, timestamp, fields))) {
      return Refusal.INVALID;
    }
    long now = clockMillis.getAsLong();
    // Compared without subtracting first: a timestamp near Long.MIN_VALUE must not wrap around.
    if (timestamp < now - skewMillis || timestamp > now + skewMillis) {
      boolean past = timestamp < now;
      long seconds = past ? (now - Math.max(timestamp, now - Long.MAX_VALUE / 2)) / 1000
          : (Math.min(timestamp, now + Long.MAX_VALUE / 2) - now) / 1000;
      return new Refusal("proof expired", "the proof was made " + seconds + " s " + (past ? "ago" : "in the future")
          + " by this host's clock; at most " + MAX_CLOCK_SKEW.toSeconds()
          + " s either way is accepted (are both clocks synchronised?)");
    }
    if (timestamp < notBefore) {
      return new Refusal("proof expired", "the proof was made before this process started: a replay, or a clock "
          + ((notBefore - timestamp) / 1000) + " s behind this host's (accepted once it passes this process's start)");
    }
    synchronized (accepted) {
      forgetExpired(now);
      if (accepted.putIfAbsent(proof.mac(), timestamp + skewMillis) != null) {
        return Refusal.REPLAYED;
      }
    }
    return null;
  }

  /** How many accepted proofs are remembered now: for tests. */
  int remembered() {
    synchronized (accepted) {
      forgetExpired(clockMillis.getAsLong());
      return accepted.size();
    }
  }

  private void forgetExpired(long now) {
    // Roughly in timestamp order, so the expired ones are at the front.
    for (Iterator<Long> until = accepted.values().iterator(); until.hasNext(); ) {
      if (until.next() >= now) {
        return;
      }
      until.remove();
    }
  }

  private static String[] macInput(String purpose, long timestamp, String... fields) {
    String[] input = new String[fields.length + 2];
    input[0] = "taskwire-" + purpose;
    System.arraycopy(fields, 0, input, 1, fields.length);
    input[input.length - 1] = Long.toString(timestamp);
    return input;
  }
}
