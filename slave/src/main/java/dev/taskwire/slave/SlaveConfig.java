package dev.taskwire.slave;

import java.time.Duration;

/**
 * The settings of a {@link Slave}, made by {@link Slave.Builder}; see each builder method for the
 * meaning and default of a field.
 *
 * @param taskTimeout {@link Duration#ZERO} for no timeout
 * @param labels what the slave announces for the master's scheduler to route by, sorted
 * @param maxMasterTolerance the longest heartbeat tolerance a master may announce; a larger one is
 *     clamped to this
 * @param secret the fleet's shared secret; null for none (any master may connect, as the reference)
 * @param joinUrls the masters this slave joins by itself, tried in this order; empty for none
 * @param name the name this slave joins under; null for "host name:port"
 * @param advertise where masters reach this slave; null for the address they see the join come
 *     from, with this slave's port
 * @param joinRetryMax the longest wait between join attempts
 * @param tls the TLS of the server and of the calls to the master; null for plain http
 * @param outboxMax the most results held for adopting masters that are away (extension "adopt")
 * @param outboxMaxAge the longest a result is held for an adopting master that is away
 * @param outboxDir where held results are kept, one file each, so that they outlive the process;
 *     null to hold them in memory
 * @param clock what the age of held results is measured with
 */
public record SlaveConfig(
    String host,
    int port,
    long channel,
    Duration heartbeatSpan,
    int requestRetries,
    Duration retryWait,
    int slots,
    java.util.List<String> labels,
    Duration gracePeriod,
    Duration taskTimeout,
    long maxBodyBytes,
    Duration bodyTimeout,
    Duration maxMasterTolerance,
    TaskProcessor processor,
    String processorDescription,
    SlaveHooks hooks,
    dev.taskwire.common.security.SharedSecret secret,
    java.util.List<dev.taskwire.common.http.BaseUrl> joinUrls,
    String name,
    dev.taskwire.common.http.BaseUrl advertise,
    Duration joinRetryMax,
    dev.taskwire.common.tls.TlsSettings tls,
    int outboxMax,
    Duration outboxMaxAge,
    java.nio.file.Path outboxDir,
    java.time.Clock clock) {}
