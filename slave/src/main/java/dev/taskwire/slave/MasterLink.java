package dev.taskwire.slave;

import dev.taskwire.common.http.BaseUrl;
import dev.taskwire.common.http.HttpEngine;
import dev.taskwire.common.protocol.Headers;
import dev.taskwire.common.protocol.Side;
import dev.taskwire.common.protocol.Token;
import java.util.List;
import java.util.Map;

/**
 * One connection to a master, from its {@code /connect} until it is disconnected or lost.
 * Immutable: a new connection is a new link, so work tied to an old link can tell it is over.
 *
 * @param masterExtensions the extensions the master announced; empty for a reference master
 */
record MasterLink(
    Token token,
    BaseUrl masterAddress,
    List<String> masterExtensions,
    HttpEngine heartbeatEngine,
    HttpEngine reportEngine,
    Map<String, String> headers) {

  static MasterLink create(Token token, BaseUrl address, List<String> extensions, SlaveConfig config) {
    HttpEngine heartbeat = HttpEngine.builder(address, Side.MASTER)
        .retries(config.requestRetries())
        .retryWait(config.retryWait())
        .build();
    // Reports retry by their own policy (Reporter), so their engine sends each attempt once.
    HttpEngine report = HttpEngine.builder(address, Side.MASTER).retries(0).build();
    Map<String, String> headers =
        Map.of(Headers.CHANNEL, Long.toString(config.channel()), Headers.TOKEN, token.value());
    return new MasterLink(token, address, List.copyOf(extensions), heartbeat, report, headers);
  }

  /** Whether the master announced {@code extension}. */
  boolean masterSupports(String extension) {
    return masterExtensions.contains(extension);
  }

  @Override
  public String toString() {
    return "master " + masterAddress + " (token " + token + ")";
  }
}
