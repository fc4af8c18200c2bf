package dev.taskwire.master;

import dev.taskwire.common.http.JsonServer;

/**
 * Adds routes to a master's HTTP server, next to the protocol's endpoints (the admin API is one).
 * Registered with {@link Master.Builder#extension}; called once while the master is built.
 */
@FunctionalInterface
public interface MasterExtension {
  /** Registers routes on {@code server} (before it starts) for {@code master}. */
  void register(Master master, JsonServer server);
}
