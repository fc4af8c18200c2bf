package dev.taskwire.slave;

import dev.taskwire.common.http.BaseUrl;
import dev.taskwire.common.http.HttpEngine;
import dev.taskwire.common.protocol.Headers;
import dev.taskwire.common.protocol.MasterErrorCode;
import dev.taskwire.common.protocol.MasterResponseException;
import dev.taskwire.common.protocol.Messages.JoinRequest;
import dev.taskwire.common.protocol.Messages.JoiningSlave;
import dev.taskwire.common.protocol.Messages.Proof;
import dev.taskwire.common.protocol.ResponseException;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.security.ProofCheck;
import dev.taskwire.common.util.Durations;
import dev.taskwire.common.util.LogThrottle;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins the masters of {@code --join} by itself (extension "join"): while no master is connected,
 * asks each in turn ({@code POST /slave/join}) to connect to this slave, until one does; the
 * master then sends the ordinary {@code /connect}. After the connection is lost it joins again,
 * forever, waiting between rounds with a backoff that doubles from {@link #FIRST_WAIT} up to the
 * configured cap, each wait jittered (half of it random) so that a fleet does not come back in
 * step after a master restart.
 *
 * <p>Logs once per change of state (joined, lost, a new cause of failure), not per attempt, and a
 * failure of one cause at most once per {@link #PROBLEM_LOG_INTERVAL} per master: so a master whose
 * answers alternate between two causes (down, then name taken, then down...) does not make a line
 * per attempt. A refusal that no retry can cure (the master takes no joins, the secret differs,
 * another channel, a master without the join endpoint) makes the slave give up on that master and
 * say how to fix it, always logged; every other failure is retried. Problems are worded by {@link
 * JoinProblem}.
 */
final class Joiner {
  private static final Logger log = LoggerFactory.getLogger(Joiner.class);
  /** The first wait after a failed round. */
  static final Duration FIRST_WAIT = Duration.ofMillis(250);
  /** How long a join may take: the master connects back to this slave before it answers. */
  static final Duration JOIN_TIMEOUT = Duration.ofSeconds(60);
  /** How often the thread looks up from waiting while connected, to see whether it must stop. */
  private static final Duration CONNECTED_POLL = Duration.ofSeconds(1);
  /** A failed join of one cause is logged at most once per this, per master. */
  static final Duration PROBLEM_LOG_INTERVAL = Duration.ofMinutes(1);

  private final SlaveConfig config;
  private final MasterLinks links;
  private final ProofCheck proofs; // null without a shared secret
  private final List<Target> targets = new ArrayList<>();
  private volatile boolean stopped;
  private volatile String state = "joining"; // for /health while not connected: joining, gave up
  private volatile String problem; // the last reason a join failed; null after a join
  private volatile Thread thread;
  private volatile String name;
  private volatile int port;
  private final LogThrottle problemLines = new LogThrottle(PROBLEM_LOG_INTERVAL);
  private final AtomicLong problemsLogged = new AtomicLong();

  /** One master to join, and what was last logged about it. */
  private static final class Target {
    final BaseUrl url;
    final HttpEngine engine;
    String lastCause; // a failure is logged when its cause differs from the last one's
    boolean givenUp;

    Target(BaseUrl url, HttpEngine engine) {
      this.url = url;
      this.engine = engine;
    }
  }

  Joiner(SlaveConfig config, MasterLinks links, ProofCheck proofs, java.util.function.Function<BaseUrl, HttpEngine.Builder> engines) {
    this.config = config;
    this.links = links;
    this.proofs = proofs;
    for (BaseUrl url : config.joinUrls()) {
      // The loop is the retry: each attempt is sent once.
      targets.add(new Target(url, engines.apply(url).retries(0).readTimeout(JOIN_TIMEOUT).build()));
    }
  }

  /** Starts joining as {@code name}, announcing {@code port}; does nothing without join URLs. */
  void start(String name, int port) {
    if (targets.isEmpty()) {
      return;
    }
    this.name = Objects.requireNonNull(name, "name == null");
    this.port = port;
    thread = new Thread(this::run, "taskwire-slave-join");
    thread.setDaemon(true);
    thread.start();
  }

  /** Stops joining; waits at most {@code limit} for a join in flight. */
  void stop(Duration limit) throws InterruptedException {
    stopped = true;
    if (thread != null) {
      thread.interrupt();
      thread.join(limit.toMillis());
    }
  }

  private void run() {
    Duration wait = FIRST_WAIT;
    boolean connected = false;
    try {
      while (!stopped) {
        if (!links.awaitFree(CONNECTED_POLL)) {
          continue;
        }
        if (connected) {
          log.info("The connection to the master ended; joining again as {}", name);
          connected = false;
          state = "joining";
          wait = FIRST_WAIT;
        }
        if (joinOnce()) {
          connected = true;
          problem = null;
          continue;
        }
        if (targets.stream().allMatch(target -> target.givenUp)) {
          state = "gave up";
          log.error("No master of --join will take this slave (see the errors above). Fix its configuration (the"
              + " secret, the channel, TLS) or the master's, and restart it.");
          return;
        }
        Thread.sleep(jittered(wait).toMillis()); // stop() interrupts it
        wait = Durations.doubledUpTo(wait, config.joinRetryMax());
      }
    } catch (InterruptedException e) {
      // stop(): the slave shuts down.
    } catch (RuntimeException | Error e) {
      log.error("Joining stopped unexpectedly; the slave waits to be connected by hand", e);
    }
  }

  /**
   * For {@code /health}: {@code {"state": "connected" | "joining" | "gave up", "name", "problem"}}
   * ({@code problem}: why the last attempt failed), or null when this slave joins no master.
   */
  Map<String, Object> status() {
    if (targets.isEmpty()) {
      return null;
    }
    Map<String, Object> status = new java.util.LinkedHashMap<>();
    status.put("state", links.current() != null ? "connected" : state);
    status.put("name", name);
    if (problem != null) {
      status.put("problem", problem);
    }
    return status;
  }

  /** One round: each master not given up on, in order, until one takes this slave. */
  private boolean joinOnce() throws InterruptedException {
    for (Target target : targets) {
      if (target.givenUp || stopped) {
        continue;
      }
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
      JoinProblem problem = tryJoin(target);
      if (problem == null) {
        if (links.current() != null) {
          log.info("Joined the master at {} as {}", target.url, name);
          targets.forEach(t -> t.lastCause = null);
          return true;
        }
        problem = new JoinProblem("no connection", "the master accepted the join, but no connection came");
      }
      if (links.current() != null) {
        return true; // connected meanwhile by another way (a master's connect): nothing to report
      }
      this.problem = target.url + ": " + problem.text();
      logProblem(target, problem);
    }
    return false;
  }

  /**
   * Logs a failed attempt if its cause differs from the last one's, and that cause was not logged
   * for this master within {@link #PROBLEM_LOG_INTERVAL}; a give-up always.
   */
  private void logProblem(Target target, JoinProblem problem) {
    boolean changed = !problem.cause().equals(target.lastCause);
    target.lastCause = problem.cause();
    if (target.givenUp) {
      problemsLogged.incrementAndGet();
      log.error("Not joining the master at {} again: {}", target.url, problem.text());
      return;
    }
    if (!changed) {
      return;
    }
    long heldBack = problemLines.pass(target.url + " " + problem.cause());
    if (heldBack >= 0) {
      problemsLogged.incrementAndGet();
      log.warn("Cannot join the master at {} yet: {}; retrying, at most {} ms apart{}", target.url, problem.text(),
          config.joinRetryMax().toMillis(), LogThrottle.heldBack(heldBack, PROBLEM_LOG_INTERVAL));
    }
  }

  /** How many lines failed attempts have logged: for tests of the throttle. */
  long problemsLogged() {
    return problemsLogged.get();
  }

  /** Null if the master took this slave; otherwise what went wrong (and {@code givenUp} if for good). */
  private JoinProblem tryJoin(Target target) {
    String address = config.advertise() == null ? null : config.advertise().toString();
    boolean https = config.advertise() != null ? config.advertise().https() : servesHttps();
    Proof proof = proofs == null ? null : proofs.proveJoin(config.channel(), name, address, port, https);
    JoinRequest body = new JoinRequest(new JoiningSlave(name, address, port, https), proof);
    try {
      target.engine.send("POST", "/slave/join", body, Map.of(Headers.CHANNEL, Long.toString(config.channel())));
      return null;
    } catch (IOException e) {
      return JoinProblem.unreachable(e);
    } catch (ResponseException e) {
      target.givenUp = !retryCanHelp(e);
      return JoinProblem.refused(e);
    }
  }

  private static boolean retryCanHelp(ResponseException e) {
    if (e instanceof MasterResponseException refused) {
      MasterErrorCode code = refused.errorCode();
      return switch (code) {
        case JOIN_NAME_TAKEN, JOIN_CONNECT_FAILED, SYSTEM_SHUTTING_DOWN -> true;
        // A clock that is off, or a repeat, may be cured by the next attempt; a wrong secret is not.
        case JOIN_REFUSED -> "proof expired".equals(e.data().get("reason")) || "proof replayed".equals(e.data().get("reason"));
        default -> false;
      };
    }
    // 404 and 405 too: a proxy in front of a master that restarts may answer so for a while.
    int status = e.httpStatus();
    return status == 404 || status == 405 || status == 408 || status == 429 || status >= 500;
  }

  private boolean servesHttps() {
    return config.tls() != null; // with TLS a slave listens for https only
  }

  private static Duration jittered(Duration wait) {
    long half = wait.toMillis() / 2;
    return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(half + 1));
  }

}
