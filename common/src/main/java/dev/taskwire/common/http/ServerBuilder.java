package dev.taskwire.common.http;

import dev.taskwire.common.protocol.ProtocolDefaults;
import dev.taskwire.common.security.SharedSecret;
import dev.taskwire.common.tls.TlsSettings;
import dev.taskwire.common.util.Checks;
import java.time.Duration;
import java.util.Objects;

/**
 * The settings a master's and a slave's builder share: where to listen, the channel, retries of
 * requests to the peer, the limits on request bodies, and TLS. Each side's builder extends it and adds
 * its own.
 *
 * @param <B> the builder itself, so that every setter chains
 */
public abstract class ServerBuilder<B extends ServerBuilder<B>> {
  /** Default host: every interface. */
  public static final String DEFAULT_HOST = "0.0.0.0";

  private String host = DEFAULT_HOST;
  private int port;
  private long channel = ProtocolDefaults.DEFAULT_CHANNEL;
  private int requestRetries = ProtocolDefaults.DEFAULT_REQUEST_RETRIES;
  private Duration retryWait = ProtocolDefaults.DEFAULT_RETRY_WAIT;
  private long maxBodyBytes = ProtocolDefaults.DEFAULT_MAX_BODY_BYTES;
  private Duration bodyTimeout = BodyLimits.DEFAULT_TIMEOUT;
  private SharedSecret secret;
  private TlsSettings tls;

  /** A builder whose port is {@code defaultPort} unless set (7235 for a master, 7236 for a slave). */
  protected ServerBuilder(int defaultPort) {
    this.port = defaultPort;
  }

  /** This builder, as its own type. */
  protected abstract B self();

  /** The address to listen on; if unset, {@code 0.0.0.0} (every interface). */
  public B host(String host) {
    this.host = Objects.requireNonNull(host, "host == null");
    return self();
  }

  /**
   * The port; if unset, the side's default (7235 for a master, 7236 for a slave). 0 picks any free
   * port, readable from the server's {@code port()} after start.
   */
  public B port(int port) {
    this.port = Checks.port("port", port);
    return self();
  }

  /** The channel both sides must be configured with; if unset, 0. */
  public B channel(long channel) {
    this.channel = channel;
    return self();
  }

  /** Retries of a request to the peer after a transport error (never after a failure answer); if unset, 5. */
  public B requestRetries(int retries) {
    this.requestRetries = Checks.atLeast("requestRetries", retries, ProtocolDefaults.MIN_REQUEST_RETRIES);
    return self();
  }

  /** The wait between retries (on a slave, also the first wait of a report's backoff); if unset, 1 s. */
  public B retryWait(Duration wait) {
    this.retryWait = Checks.notNegative("retryWait", wait);
    return self();
  }

  /**
   * The largest body of a request that carries task data or a result, answered 413 above; if
   * unset, 16 MiB. Control requests take at most 64 KiB (or this, if smaller).
   */
  public B maxBodyBytes(long maxBodyBytes) {
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("maxBodyBytes < 1: " + maxBodyBytes);
    }
    this.maxBodyBytes = maxBodyBytes;
    return self();
  }

  /**
   * How long the whole body of a request may take to arrive, from the request's start; if unset,
   * 10 s. A slower one is answered 408 (its connection closed if it sends nothing at all).
   */
  public B bodyTimeout(Duration bodyTimeout) {
    this.bodyTimeout = Checks.atLeast("bodyTimeout", bodyTimeout, Duration.ofMillis(1));
    return self();
  }

  /**
   * The secret the fleet's master and slaves share ({@code --secret-file}): a slave with one
   * accepts {@code /connect} only from a master that proves it knows it, and a master with one
   * proves it in every {@code /connect} and accepts joins only from slaves that prove it. The
   * secret never crosses the wire. If unset, none: behaviour is the reference's.
   */
  public B secret(SharedSecret secret) {
    this.secret = Objects.requireNonNull(secret, "secret == null");
    return self();
  }

  /** The shared secret; null if none was set. */
  protected SharedSecret secret() {
    return secret;
  }

  /**
   * Serve https only (no plain http port at all) with {@code tls}'s identity, and call the peer
   * over https trusting {@code tls}'s CA (presenting this process's certificate when the peer asks
   * for one); with {@link TlsSettings#mutual()}, clients without a certificate from the CA are
   * refused at the handshake. If unset, plain http, as the reference.
   *
   * @throws IllegalArgumentException if {@code tls} has no identity (a client's settings)
   */
  public B tls(TlsSettings tls) {
    Objects.requireNonNull(tls, "tls == null");
    if (!tls.hasIdentity()) {
      throw new IllegalArgumentException("a server's TLS settings need a certificate and key: " + tls);
    }
    this.tls = tls;
    return self();
  }

  protected String host() {
    return host;
  }

  protected int port() {
    return port;
  }

  protected long channel() {
    return channel;
  }

  protected int requestRetries() {
    return requestRetries;
  }

  protected Duration retryWait() {
    return retryWait;
  }

  protected long maxBodyBytes() {
    return maxBodyBytes;
  }

  protected Duration bodyTimeout() {
    return bodyTimeout;
  }

  /** The TLS settings; null for plain http. */
  protected TlsSettings tls() {
    return tls;
  }
}
