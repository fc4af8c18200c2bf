package dev.taskwire.master;

import dev.taskwire.common.http.BaseUrl;
import dev.taskwire.common.http.HttpEngine;
import dev.taskwire.common.protocol.ProtocolDefaults;
import dev.taskwire.common.protocol.Side;
import java.time.Duration;

/**
 * The HTTP engines a connection uses toward its slave. With the master's TLS they trust its CA and
 * present the master's certificate.
 */
final class SlaveEngines {
  private SlaveEngines() {}

  /** For every request of a connection: the master's retries and wait, the protocol's read timeout. */
  static HttpEngine standard(MasterConfig config, BaseUrl slave) {
    return builder(config, slave, config.requestRetries(), ProtocolDefaults.DEFAULT_READ_TIMEOUT).build();
  }

  /**
   * For a joined slave's {@code /connect}: sent once, and over in {@link MasterConfig#joinTimeout()}
   * whatever happens, since the join that asked for it waits for the outcome (and the slave retries
   * its join anyway).
   */
  static HttpEngine join(MasterConfig config, BaseUrl slave) {
    Duration timeout = config.joinTimeout();
    return builder(config, slave, 0, timeout).connectTimeout(timeout).callTimeout(timeout).build();
  }

  private static HttpEngine.Builder builder(MasterConfig config, BaseUrl slave, int retries, Duration readTimeout) {
    HttpEngine.Builder engine = HttpEngine.builder(slave, Side.SLAVE)
        .retries(retries)
        .retryWait(config.retryWait())
        .readTimeout(readTimeout);
    if (config.tls() != null) {
      engine.tls(config.tls().client());
    }
    return engine;
  }
}
