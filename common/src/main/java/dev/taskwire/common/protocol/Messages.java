package dev.taskwire.common.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * The request bodies of docs/protocol.md, one record per shape. Response bodies are all {@link
 * Envelope}s.
 */
public final class Messages {
  private Messages() {}

  /** {@code {"id": "<uuid>"}} inside task requests and reports. */
  public record TaskRef(String id) {}

  /**
   * The Taskwire extension block: a master sends it inside {@code master}, a slave answers it as
   * {@code data.taskwire}. {@code slots} is only sent by a slave; {@code heartbeatToleranceMs} only
   * by a master, so that its slaves keep a connection (and retry its reports) through an outage
   * shorter than that. {@code labels} is only sent by a slave: what the master's scheduler routes
   * jobs by (e.g. {@code ["gpu", "zone=eu"]}); absent when it has none. {@code masterId} is only
   * sent by a master that announces "adopt": its stable id, the same across its restarts. {@code
   * held} is only sent by a slave to such a master: what it still holds for that master id
   * (extension "adopt"); absent when it holds nothing for it.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record TaskwireInfo(String version, Integer slots, List<String> extensions, Long heartbeatToleranceMs,
      List<String> labels, Proof proof, String masterId, Held held) {
    /** A block without a master id or held work (every block before extension "adopt"). */
    public TaskwireInfo(String version, Integer slots, List<String> extensions, Long heartbeatToleranceMs,
        List<String> labels, Proof proof) {
      this(version, slots, extensions, heartbeatToleranceMs, labels, proof, null, null);
    }

    /** A block without a proof of the shared secret. */
    public TaskwireInfo(String version, Integer slots, List<String> extensions, Long heartbeatToleranceMs,
        List<String> labels) {
      this(version, slots, extensions, heartbeatToleranceMs, labels, null);
    }

    /** This block with {@code proof}: a master that has a shared secret proves it in its {@code /connect}. */
    public TaskwireInfo withProof(Proof proof) {
      return new TaskwireInfo(version, slots, extensions, heartbeatToleranceMs, labels, proof, masterId, held);
    }

    /** This block with {@code masterId}: a master that announces "adopt" names itself by it. */
    public TaskwireInfo withMasterId(String masterId) {
      return new TaskwireInfo(version, slots, extensions, heartbeatToleranceMs, labels, proof, masterId, held);
    }

    /** This block with {@code held}: a slave's answer to a master whose id it holds work for. */
    public TaskwireInfo withHeld(Held held) {
      return new TaskwireInfo(version, slots, extensions, heartbeatToleranceMs, labels, proof, masterId, held);
    }

    /** A master's block. */
    public static TaskwireInfo ofMaster(String version, List<String> extensions, long heartbeatToleranceMs) {
      return new TaskwireInfo(version, null, extensions, heartbeatToleranceMs, null);
    }

    /** A slave's block without labels. */
    public static TaskwireInfo ofSlave(String version, int slots, List<String> extensions) {
      return ofSlave(version, slots, extensions, List.of());
    }

    /** A slave's block; {@code labels} left out of the JSON when empty. */
    public static TaskwireInfo ofSlave(String version, int slots, List<String> extensions, List<String> labels) {
      return new TaskwireInfo(version, slots, extensions, null, labels.isEmpty() ? null : List.copyOf(labels));
    }
  }

  /**
   * What a slave holds for a master id (extension "adopt"), in its {@code /connect} answer: {@code
   * running}, the ids of tasks that master sent and that still run; {@code results}, the ids of
   * tasks whose results it has not yet delivered, which it then reports on the new connection.
   * Both are wire task ids, both always present (possibly empty).
   */
  public record Held(List<String> running, List<String> results) {
    /** Both lists copied; null is an empty list. */
    public Held {
      running = running == null ? List.of() : List.copyOf(running);
      results = results == null ? List.of() : List.copyOf(results);
    }
  }

  /**
   * A proof of the fleet's shared secret ({@link dev.taskwire.common.security.ProofCheck}): {@code
   * {"timestamp": <ms since the epoch>, "mac": "<HMAC-SHA256, hex>"}}, and in a master's {@code
   * /connect} {@code "to": "<the slave's address>"}, the slave it is meant for (in the MAC too).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Proof(Long timestamp, String mac, String to) {
    /** A proof meant for no one in particular (a join's, an answer's). */
    public Proof(Long timestamp, String mac) {
      this(timestamp, mac, null);
    }
  }

  /**
   * {@code POST /slave/join} (extension "join"): a slave asks the master to connect to it. {@code
   * slave.address} is where the master reaches it (null: the request's source address with {@code
   * slave.port}, over https if {@code slave.https}); {@code proof} is present when the slave has a
   * shared secret.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record JoinRequest(JoiningSlave slave, Proof proof) {}

  /** The {@code slave} of a {@link JoinRequest}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record JoiningSlave(String name, String address, Integer port, Boolean https) {}

  /** {@code master} of a connect request; {@code taskwire} is absent when sent by a reference. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record MasterInfo(String address, TaskwireInfo taskwire) {}

  /** {@code POST /connect}: {@code {"master": {"address"}, "data": {...}}}. */
  public record ConnectRequest(MasterInfo master, Map<String, Object> data) {}

  /** {@code DELETE /disconnect}: {@code {"data": {...}}}. */
  public record DisconnectRequest(Map<String, Object> data) {}

  /** {@code POST /task/new}: {@code {"task": {"id"}, "data": {...}}}. */
  public record NewTaskRequest(TaskRef task, Map<String, Object> data) {}

  /** {@code PUT /slave/task/complete} and {@code /slave/task/fail}. */
  public record TaskReport(TaskRef task, Map<String, Object> result) {}

  /** {@code POST /task/cancel} (extension "cancel"). */
  public record CancelRequest(TaskRef task) {}
}
