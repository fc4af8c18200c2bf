package dev.taskwire.master;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What a {@link SlaveConnection} needs of its master, and nothing more: the settings and hooks,
 * the registry it joins, the threads it runs work on, the callback address, whether the master is
 * shutting down, and who to tell when an attempt or a connection ends.
 *
 * @param resultExecutor runs task callbacks
 * @param timer runs task timeouts
 * @param background sends best-effort requests (cancel, a late disconnect) off the callers' threads
 * @param myAddress the callback address sent with {@code /connect}
 * @param proofs proves the shared secret in each {@code /connect}; null without one
 * @param masterId the master's stable id, announced with extension "adopt"; null without a durable store
 */
record ConnectionContext(
    MasterConfig config,
    Connections connections,
    Executor resultExecutor,
    ScheduledExecutorService timer,
    Executor background,
    Supplier<String> myAddress,
    BooleanSupplier shuttingDown,
    ConnectionEvents events,
    dev.taskwire.common.security.ProofCheck proofs,
    String masterId) {

  MasterHooks hooks() {
    return config.hooks();
  }

  boolean isShuttingDown() {
    return shuttingDown.getAsBoolean();
  }
}
