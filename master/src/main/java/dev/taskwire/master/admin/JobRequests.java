package dev.taskwire.master.admin;

import static dev.taskwire.master.admin.AdminRequests.excerpt;
import static dev.taskwire.master.admin.AdminRequests.optionalDuration;
import static dev.taskwire.master.admin.AdminRequests.requireKnown;
import static dev.taskwire.master.admin.AdminRequests.strings;

import dev.taskwire.common.json.JsonFormatException;
import dev.taskwire.common.protocol.TaskId;
import dev.taskwire.common.util.Durations;
import dev.taskwire.common.util.LogSafe;
import dev.taskwire.master.TaskFailure;
import dev.taskwire.master.admin.AdminMessages.BackoffView;
import dev.taskwire.master.admin.AdminMessages.JobRequest;
import dev.taskwire.master.scheduler.Backoff;
import dev.taskwire.master.scheduler.JobOptions;
import dev.taskwire.master.scheduler.Passing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A job's options between the wire and the scheduler: read from a body ({@link #read}), made into
 * {@link JobOptions} ({@link #options}) and back ({@link #request}).
 *
 * <p>The rules are the scheduler's, written once: this class checks what only the wire has (a
 * field's JSON type, an unknown field, a duration's spelling) and asks {@link JobOptions}' builder,
 * or {@link Backoff}, whether a value is allowed ({@link #refusal}), then names the field as the
 * body spells it ({@code attempts}, {@code dependsOn}) in the answer's message. A duration out of
 * range is refused by the builder when the options are made, in its own words.
 */
final class JobRequests {
  /** The option fields a job body may carry besides {@code data}. */
  static final List<String> FIELDS = List.of("priority", "group", "labels", "timeout", "queueTimeout", "deadline",
      "attempts", "retryOn", "backoff", "name", "dependsOn", "passing", "lease");
  private static final List<String> BACKOFF_FIELDS = List.of("initial", "multiplier", "cap");
  private static final String RETRY_ON_RULE =
      "retryOn must be a list of SLAVE_FAILED and TIMEOUT (LOST and START_FAILED are always retried)";

  private JobRequests() {}

  /**
   * The scheduler's verdict on one option: {@code option} set on {@link JobOptions#builder()}, every
   * other option at its default, and built. Null if its rule allows the value, else the refusal.
   */
  static IllegalArgumentException refusal(Consumer<JobOptions.Builder> option) {
    JobOptions.Builder builder = JobOptions.builder();
    option.accept(builder);
    try {
      builder.build();
      return null;
    } catch (IllegalArgumentException e) {
      return e;
    }
  }

  /**
   * The options in {@code body}, which may carry {@code others} besides them (e.g. {@code data})
   * and nothing else: an unknown field, such as a misspelt {@code "priorty"}, is refused rather
   * than ignored. Each option is checked by its rule, and a null is the same as leaving it out.
   *
   * @throws JsonFormatException naming the first field that breaks its rule, and its value
   */
  static JobRequest read(Map<String, Object> body, List<String> others) {
    List<String> known = new ArrayList<>(others);
    known.addAll(FIELDS);
    requireKnown(body, known, "");
    Integer priority = body.get("priority") == null ? null : priority(body.get("priority"));
    String group = body.get("group") == null ? null : AdminRequests.group(body.get("group"), "group");
    List<String> labels = body.get("labels") == null ? null : labels(body.get("labels"));
    Duration timeout = optionalDuration(body, "timeout", "timeout");
    Duration queueTimeout = optionalDuration(body, "queueTimeout", "queueTimeout");
    Duration deadline = optionalDuration(body, "deadline", "deadline");
    Integer attempts = body.get("attempts") == null ? null : attempts(body.get("attempts"));
    List<String> retryOn = body.get("retryOn") == null ? null : retryOn(body.get("retryOn"));
    BackoffView backoff = body.get("backoff") == null ? null : backoff(body.get("backoff"));
    String name = body.get("name") == null ? null : name(body.get("name"));
    List<String> dependsOn = body.get("dependsOn") == null ? null : dependsOn(body.get("dependsOn"));
    String passing = body.get("passing") == null ? null : passing(body.get("passing"));
    return new JobRequest(priority, group, labels, timeout, queueTimeout, deadline, attempts, retryOn, backoff, name,
        dependsOn, passing, optionalDuration(body, "lease", "lease"));
  }

  /**
   * The {@link JobOptions}: {@code request}'s options over the defaults.
   *
   * @throws IllegalArgumentException naming the first option out of range
   */
  static JobOptions options(JobRequest request) {
    JobOptions.Builder builder = JobOptions.builder();
    if (request.priority() != null) {
      builder.priority(request.priority());
    }
    if (request.group() != null) {
      builder.group(request.group());
    }
    if (request.labels() != null) {
      builder.labels(request.labels());
    }
    if (request.timeout() != null) {
      builder.timeout(request.timeout());
    }
    if (request.queueTimeout() != null) {
      builder.queueTimeout(request.queueTimeout());
    }
    if (request.deadline() != null) {
      builder.deadline(request.deadline());
    }
    if (request.attempts() != null) {
      builder.maxAttempts(request.attempts());
    }
    if (request.retryOn() != null) {
      builder.retryOn(request.retryOn().stream().map(TaskFailure.Reason::valueOf).toArray(TaskFailure.Reason[]::new));
    }
    if (request.backoff() != null) {
      builder.backoff(backoff(request.backoff()));
    }
    if (request.name() != null) {
      builder.name(request.name());
    }
    if (request.dependsOn() != null) {
      builder.afterIds(request.dependsOn());
    }
    if (request.passing() != null) {
      builder.passing(passingOf(request.passing()));
    }
    if (request.lease() != null) {
      builder.lease(request.lease());
    }
    return builder.build();
  }

  /** Every option of {@code options}, written out (defaults too): what {@link #options} makes into them again. */
  static JobRequest request(JobOptions options) {
    List<String> retryOn = options.retryOn().stream().sorted().map(Enum::name).toList();
    Backoff backoff = options.backoff();
    return new JobRequest(options.priority(), options.group(), options.labels(), options.timeout(),
        options.queueTimeout(), options.deadline(), options.maxAttempts(), retryOn,
        new BackoffView(backoff.initial(), backoff.multiplier(), backoff.cap()), options.name(), options.after(),
        options.passing().name().toLowerCase(Locale.ROOT), options.lease());
  }

  private static Backoff backoff(BackoffView view) {
    return new Backoff(view.initial() == null ? Backoff.DEFAULT.initial() : view.initial(), view.multiplier(),
        view.cap() == null ? Backoff.DEFAULT.cap() : view.cap());
  }

  /** The mode named {@code mode}, in any case; IllegalArgumentException with the rule otherwise. */
  private static Passing passingOf(String mode) {
    for (Passing passing : Passing.values()) {
      if (passing.name().equalsIgnoreCase(mode)) {
        return passing;
      }
    }
    throw new IllegalArgumentException("passing must be nest, merge or none, got \"" + LogSafe.escape(mode) + "\"");
  }

  private static int priority(Object value) {
    // Jackson reads 1.0 as a Double and a number beyond int as a Long or BigInteger: all refused.
    if (!(value instanceof Integer number)) {
      throw new JsonFormatException("priority must be an integer, got " + excerpt(value));
    }
    return number;
  }

  private static List<String> labels(Object value) {
    List<String> labels = strings(value, "labels");
    IllegalArgumentException refused = refusal(options -> options.labels(labels));
    if (refused != null) {
      throw new JsonFormatException("labels: " + refused.getMessage(), refused);
    }
    return labels;
  }

  private static int attempts(Object value) {
    if (!(value instanceof Integer number) || refusal(options -> options.maxAttempts(number)) != null) {
      throw new JsonFormatException("attempts must be an integer 1.." + JobOptions.MAX_ATTEMPTS + ", got " + excerpt(value));
    }
    return number;
  }

  /** The reasons' names, each once, in the order given. */
  private static List<String> retryOn(Object value) {
    if (!(value instanceof List<?> list)) {
      throw new JsonFormatException(RETRY_ON_RULE + ", got " + excerpt(value));
    }
    List<String> reasons = new ArrayList<>();
    for (Object item : list) {
      TaskFailure.Reason reason = reasonNamed(item);
      if (reason == null || refusal(options -> options.retryOn(reason)) != null) {
        throw new JsonFormatException(RETRY_ON_RULE + ", got " + excerpt(item));
      }
      if (!reasons.contains(reason.name())) {
        reasons.add(reason.name());
      }
    }
    return reasons;
  }

  private static TaskFailure.Reason reasonNamed(Object name) {
    for (TaskFailure.Reason reason : TaskFailure.Reason.values()) {
      if (reason.name().equals(name)) {
        return reason;
      }
    }
    return null;
  }

  /** The backoff, its left-out fields at {@link Backoff#DEFAULT}'s, if {@link Backoff} allows it. */
  private static BackoffView backoff(Object value) {
    if (!(value instanceof Map<?, ?>)) {
      throw new JsonFormatException("backoff must be an object such as {\"initial\": \"1s\", \"multiplier\": 2.0,"
          + " \"cap\": \"1m\"}, got " + excerpt(value));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> json = (Map<String, Object>) value;
    requireKnown(json, BACKOFF_FIELDS, "backoff.");
    Duration initial = optionalDuration(json, "initial", "backoff.initial");
    Duration cap = optionalDuration(json, "cap", "backoff.cap");
    double multiplier = Backoff.DEFAULT.multiplier();
    Object factor = json.get("multiplier");
    if (factor != null) {
      // An integer (2) is a number too; Jackson reads a number too large for a double as out of range.
      boolean number = factor instanceof Integer || factor instanceof Long || factor instanceof Double;
      if (!number || multiplierRefused(((Number) factor).doubleValue())) {
        throw new JsonFormatException("backoff.multiplier must be a number >= 1, got " + excerpt(factor));
      }
      multiplier = ((Number) factor).doubleValue();
    }
    Duration first = initial == null ? Backoff.DEFAULT.initial() : initial;
    Duration longest = cap == null ? Backoff.DEFAULT.cap() : cap;
    try {
      new Backoff(first, multiplier, longest);
    } catch (IllegalArgumentException e) {
      // Backoff refused it; a cap below the initial wait is named in the body's terms, as the fault
      // to fix first (a year-long initial wait over the default cap, say), anything else in Backoff's.
      if (longest.compareTo(first) < 0) {
        throw new JsonFormatException("backoff.cap must be at least backoff.initial, got cap " + Durations.format(longest)
            + " and initial " + Durations.format(first) + (cap == null ? " (cap left at its default)" : ""), e);
      }
      throw new JsonFormatException("backoff: " + e.getMessage(), e);
    }
    return new BackoffView(first, multiplier, longest);
  }

  /** Whether {@link Backoff} refuses {@code multiplier}, asked with waits of zero that no rule refuses. */
  private static boolean multiplierRefused(double multiplier) {
    try {
      new Backoff(Duration.ZERO, multiplier, Duration.ZERO);
      return false;
    } catch (IllegalArgumentException e) {
      return true;
    }
  }

  /** {@code value} if it is a string that the rule of job names allows (that of groups, as the message says). */
  private static String name(Object value) {
    if (!(value instanceof String name)) {
      throw new JsonFormatException("name must be a string, got " + excerpt(value));
    }
    if (refusal(options -> options.name(name)) != null) {
      throw new JsonFormatException("name: " + JobOptions.GROUP_RULE + "; got \"" + LogSafe.escape(name) + "\"");
    }
    return name;
  }

  private static List<String> dependsOn(Object value) {
    List<String> ids = strings(value, "dependsOn");
    if (refusal(options -> options.afterIds(ids)) != null) {
      // The builder refuses too many upstreams and an upstream named twice: said in the body's terms.
      throw new JsonFormatException(ids.size() > JobOptions.MAX_UPSTREAMS
          ? "dependsOn may name at most " + JobOptions.MAX_UPSTREAMS + " jobs, got " + ids.size()
          : "dependsOn names a job twice");
    }
    for (String id : ids) {
      if (id.isEmpty() || id.length() > TaskId.MAX_LENGTH) {
        throw new JsonFormatException("dependsOn must hold job ids (1 to " + TaskId.MAX_LENGTH + " characters), got "
            + excerpt(id));
      }
    }
    return ids;
  }

  private static String passing(Object value) {
    if (!(value instanceof String mode)) {
      throw new JsonFormatException("passing must be \"nest\", \"merge\" or \"none\", got " + excerpt(value));
    }
    try {
      passingOf(mode);
    } catch (IllegalArgumentException e) {
      throw new JsonFormatException(e.getMessage(), e);
    }
    return mode;
  }
}
