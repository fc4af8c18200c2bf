package dev.taskwire.master;

import java.time.Duration;

/**
 * The settings of a {@link Master}, made by {@link Master.Builder}; see each builder method for the
 * meaning and default of a field.
 *
 * @param myAddress the callback address sent to slaves; null = derived from {@code callbackHost}
 *     and the bound port at start
 * @param queueCapacity the most jobs the scheduler holds queued
 * @param jobHistory how many final jobs the scheduler keeps for lookup by id
 * @param secret the fleet's shared secret; null for none
 * @param allowOpenJoin whether joins are taken without a shared secret
 * @param joinTimeout how long a join's connect-back may take; a failed one is answered when it has passed
 * @param tls the TLS of the server and of the calls to slaves; null for plain http
 */
public record MasterConfig(
    String host,
    int port,
    long channel,
    Duration heartbeatTolerance,
    Duration heartbeatCheckSpan,
    int requestRetries,
    Duration retryWait,
    String myAddress,
    String callbackHost,
    long maxBodyBytes,
    Duration bodyTimeout,
    MasterHooks hooks,
    int queueCapacity,
    int jobHistory,
    dev.taskwire.common.security.SharedSecret secret,
    boolean allowOpenJoin,
    Duration joinTimeout,
    dev.taskwire.common.tls.TlsSettings tls) {}
