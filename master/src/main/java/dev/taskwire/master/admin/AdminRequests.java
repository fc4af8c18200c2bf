package dev.taskwire.master.admin;

import static dev.taskwire.master.admin.AdminMessages.MAX_BATCH;

import dev.taskwire.common.json.Json;
import dev.taskwire.common.json.JsonFields;
import dev.taskwire.common.json.JsonFormatException;
import dev.taskwire.common.protocol.ProtocolDefaults;
import dev.taskwire.common.util.Durations;
import dev.taskwire.common.util.LogSafe;
import dev.taskwire.master.admin.AdminMessages.CancelRequest;
import dev.taskwire.master.admin.AdminMessages.CompleteRequest;
import dev.taskwire.master.admin.AdminMessages.ConnectRequest;
import dev.taskwire.master.admin.AdminMessages.JobBatch;
import dev.taskwire.master.admin.AdminMessages.JobRequest;
import dev.taskwire.master.admin.AdminMessages.JobSubmit;
import dev.taskwire.master.admin.AdminMessages.LimitRequest;
import dev.taskwire.master.admin.AdminMessages.SubmitRequest;
import dev.taskwire.master.admin.AdminMessages.WaitRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The admin API's request bodies, read into the records of {@link AdminMessages}: each field of
 * the right JSON type, no unknown field where a misspelling would pass unnoticed, each value by its
 * rule. A job's options are read by {@link JobRequests}, by the scheduler's rules; a connection's
 * name and labels are checked where the connection is made. Each method throws a {@link
 * JsonFormatException} naming the first field that breaks its rule, and its value (answered 400).
 */
final class AdminRequests {
  private AdminRequests() {}

  /**
   * {@code POST /api/v1/connections}: {@code name} and {@code host} non-empty strings, {@code port}
   * an integer 1..65535 (7236 if left out), {@code https} a boolean (or left out), {@code data} an
   * object, {@code labels} a list of strings.
   */
  static ConnectRequest connect(Map<String, Object> body) {
    String name = JsonFields.string(body, "name", "name");
    String host = JsonFields.string(body, "host", "host");
    int port = port(body.get("port"));
    Boolean https = https(body.get("https"));
    Map<String, Object> data = JsonFields.objectOrEmpty(body, "data");
    List<String> labels = body.get("labels") == null ? List.of() : strings(body.get("labels"), "labels");
    return new ConnectRequest(name, host, port, https, data, labels);
  }

  private static int port(Object value) {
    if (value == null) {
      return ProtocolDefaults.DEFAULT_SLAVE_PORT;
    }
    // Jackson reads 7236.0 as a Double and a number beyond int as a Long or BigInteger: all refused.
    if (!(value instanceof Integer number) || number < 1 || number > 65_535) {
      throw new JsonFormatException("port must be a port number 1..65535, got " + LogSafe.escape(String.valueOf(value)));
    }
    return number;
  }

  private static Boolean https(Object value) {
    if (value == null) {
      return null; // the master's own TLS decides
    }
    if (!(value instanceof Boolean flag)) {
      throw new JsonFormatException("https must be true or false, got " + excerpt(value));
    }
    return flag;
  }

  /**
   * {@code POST /api/v1/connections/{name}/tasks}: {@code data} an object (required, so that a typo
   * such as {@code {"dta": ...}} is refused rather than run as an empty task), {@code timeout} a
   * duration or absent.
   */
  static SubmitRequest submit(Map<String, Object> body) {
    Map<String, Object> data = JsonFields.object(body, "data");
    Object timeout = body.get("timeout");
    if (timeout == null) {
      return new SubmitRequest(data, null);
    }
    if (!(timeout instanceof String text)) {
      throw new JsonFormatException("timeout must be a duration such as \"30s\", got " + LogSafe.escape(String.valueOf(timeout)));
    }
    try {
      return new SubmitRequest(data, Durations.parse(text));
    } catch (IllegalArgumentException e) {
      throw new JsonFormatException("timeout: " + e.getMessage(), e);
    }
  }

  /** {@code POST /api/v1/jobs}: its options ({@link JobRequests#read}), then {@code data}, an object. */
  static JobSubmit job(Map<String, Object> body) {
    JobRequest options = JobRequests.read(body, List.of("data"));
    return new JobSubmit(JsonFields.object(body, "data"), options);
  }

  /** {@code POST /api/v1/jobs/batch}: its options, then {@code data}, a list of 1 to {@value AdminMessages#MAX_BATCH} objects. */
  @SuppressWarnings("unchecked")
  static JobBatch batch(Map<String, Object> body) {
    JobRequest options = JobRequests.read(body, List.of("data"));
    Object value = body.get("data");
    if (!(value instanceof List<?> list)) {
      throw new JsonFormatException(value == null ? "data is missing; expected a list of 1 to " + MAX_BATCH + " objects"
          : "data must be a list of 1 to " + MAX_BATCH + " objects, got " + excerpt(value));
    }
    if (list.isEmpty() || list.size() > MAX_BATCH) {
      throw new JsonFormatException("data must be a list of 1 to " + MAX_BATCH + " objects, got " + list.size());
    }
    List<Map<String, Object>> data = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      if (!(list.get(i) instanceof Map<?, ?> one)) {
        throw new JsonFormatException("data[" + i + "] must be an object, got " + excerpt(list.get(i)));
      }
      data.add((Map<String, Object>) one);
    }
    return new JobBatch(data, options);
  }

  /** {@code POST /api/v1/jobs/wait}: {@code ids} 1 to {@value AdminMessages#MAX_BATCH} job ids, none twice; {@code timeout}. */
  static WaitRequest await(Map<String, Object> body) {
    requireKnown(body, List.of("ids", "timeout"), "");
    Object value = body.get("ids");
    String rule = "ids must be a list of 1 to " + MAX_BATCH + " job ids";
    if (!(value instanceof List<?> list)) {
      throw new JsonFormatException(value == null ? "ids is missing; expected a list of 1 to " + MAX_BATCH + " job ids"
          : rule + ", got " + excerpt(value));
    }
    if (list.isEmpty() || list.size() > MAX_BATCH) {
      throw new JsonFormatException(rule + ", got " + list.size());
    }
    List<String> ids = strings(list, "ids");
    // An id listed twice would be answered twice: 10,000 times one large job made a gigabyte.
    Map<String, Integer> seen = new HashMap<>(ids.size() * 2);
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get(i);
      if (id.isEmpty()) {
        throw new JsonFormatException(rule + ", got an empty id");
      }
      Integer first = seen.putIfAbsent(id, i);
      if (first != null) {
        throw new JsonFormatException("ids must not repeat an id, got \"" + LogSafe.escape(id) + "\" at " + first
            + " and at " + i);
      }
    }
    return new WaitRequest(ids, optionalDuration(body, "timeout", "timeout"));
  }

  /** {@code POST /api/v1/jobs/cancel}: exactly one of {@code group} (a group name) and {@code all} (true). */
  static CancelRequest cancel(Map<String, Object> body) {
    requireKnown(body, List.of("group", "all"), "");
    Object group = body.get("group");
    Object all = body.get("all");
    if ((group == null) == (all == null)) {
      throw new JsonFormatException("give exactly one of {\"group\": \"<group>\"} and {\"all\": true}");
    }
    if (all != null && !Boolean.TRUE.equals(all)) {
      throw new JsonFormatException("all must be true, got " + excerpt(all) + "; to cancel one group, give only group");
    }
    return group == null ? CancelRequest.ofAll() : CancelRequest.ofGroup(group(group, "group"));
  }

  /** {@code POST /api/v1/jobs/{id}/complete}: {@code result}, an object, and no other field. */
  static CompleteRequest complete(Map<String, Object> body) {
    requireKnown(body, List.of("result"), "");
    return new CompleteRequest(JsonFields.object(body, "result"));
  }

  /** {@code PUT /api/v1/limits/{group}}: {@code limit}, an integer at least 1, and no other field. */
  static LimitRequest limit(Map<String, Object> body) {
    requireKnown(body, List.of("limit"), "");
    Object value = body.get("limit");
    if (!(value instanceof Integer limit) || limit < 1) {
      throw new JsonFormatException(value == null ? "limit is missing; expected an integer at least 1"
          : "limit must be an integer at least 1 (DELETE the limit to remove it), got " + excerpt(value));
    }
    return new LimitRequest(limit);
  }

  /**
   * {@code value} if it is a string that the scheduler takes as a group ({@link
   * dev.taskwire.master.scheduler.JobOptions#GROUP_RULE}); {@code field} names it in the error.
   */
  static String group(Object value, String field) {
    if (!(value instanceof String group)) {
      throw new JsonFormatException(field + " must be a string, got " + excerpt(value));
    }
    IllegalArgumentException refused = JobRequests.refusal(options -> options.group(group));
    if (refused != null) {
      throw new JsonFormatException(field + ": " + refused.getMessage(), refused);
    }
    return group;
  }

  // Checks shared by the bodies.

  /** Refuses a key of {@code body} not in {@code known}; {@code prefix} names the object, e.g. {@code backoff.}. */
  static void requireKnown(Map<String, Object> body, List<String> known, String prefix) {
    for (String key : body.keySet()) {
      if (!known.contains(key)) {
        throw new JsonFormatException("unknown field " + prefix + "\"" + LogSafe.escape(key) + "\"; the fields are "
            + String.join(", ", known));
      }
    }
  }

  /** {@code value} as a list of strings; {@code field} names it in the error. */
  static List<String> strings(Object value, String field) {
    if (value instanceof List<?> list) {
      List<String> strings = new ArrayList<>(list.size());
      for (Object item : list) {
        if (!(item instanceof String text)) {
          throw new JsonFormatException(field + " must be a list of strings, got " + excerpt(item) + " in it");
        }
        strings.add(text);
      }
      return strings;
    }
    throw new JsonFormatException(field + " must be a list of strings, got " + excerpt(value));
  }

  /** The duration at {@code key} (a string such as {@code "30s"}), or null if absent; {@code field} names it. */
  static Duration optionalDuration(Map<String, Object> body, String key, String field) {
    Object value = body.get(key);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String text)) {
      throw new JsonFormatException(field + " must be a duration such as \"30s\", got " + excerpt(value));
    }
    try {
      return Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new JsonFormatException(field + ": " + LogSafe.escape(e.getMessage()), e);
    }
  }

  /** A value a client sent, as JSON, escaped and cut short for a message. */
  static String excerpt(Object value) {
    return LogSafe.escape(Json.toString(value));
  }
}
