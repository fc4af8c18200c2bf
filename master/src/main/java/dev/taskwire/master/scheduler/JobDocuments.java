package dev.taskwire.master.scheduler;

import dev.taskwire.common.json.Json;
import dev.taskwire.master.TaskFailure;
import dev.taskwire.master.TaskStatus;
import dev.taskwire.master.store.StoreChange;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link JobRecord} as the store keeps it: one JSON document with everything a restart needs
 * (data, options, status, attempts, result, failure, edges, the last progress), written whole at
 * each change, and read back into a record. Durations are milliseconds, instants milliseconds
 * since the epoch. What a restart derives (the queue's order, the upstreams left, the edges to
 * upstreams' records) is not kept: it comes from the statuses and {@code options.after}.
 */
final class JobDocuments {
  /** How deep a document nests around the job's data and results (options, attempts, upstream results). */
  private static final int WRAPPER_LEVELS = 4;

  private JobDocuments() {}

  /** The row of {@code job} as it is now. */
  static StoreChange.JobRow row(JobRecord job) {
    Long finished = job.status.isFinal() ? job.finishedAtMillis : null;
    return new StoreChange.JobRow(job.id, job.seq, job.status.name(), job.submittedAtMillis, finished,
        Json.toString(document(job)));
  }

  static Map<String, Object> document(JobRecord job) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("id", job.id);
    doc.put("seq", job.seq);
    doc.put("submittedAt", job.submittedAtMillis);
    doc.put("status", job.status.name());
    doc.put("data", job.data);
    doc.put("options", options(job.options));
    if (job.combined) {
      doc.put("combined", true);
      doc.put("combineAsTask", job.combineAsTask);
      if (job.combinerName != null) {
        doc.put("combiner", job.combinerName); // a function given as code is not kept: only a name is
      }
    }
    if (job.sentData != null && job.sentData != job.data) {
      doc.put("sentData", job.sentData);
    }
    if (job.downstreamIds != null) {
      doc.put("downstreams", job.downstreamIds);
    }
    if (job.attempts != null) {
      List<Map<String, Object>> attempts = new ArrayList<>(job.attempts.size());
      for (Attempt attempt : job.attempts) {
        attempts.add(attempt(attempt));
      }
      doc.put("attempts", attempts);
    }
    if (job.result != null) {
      doc.put("result", job.result);
    }
    if (job.failure != null) {
      doc.put("failure", failure(job.failure));
    }
    if (job.status.isFinal()) {
      doc.put("finishedAt", job.finishedAtMillis);
    }
    Map<String, Object> progress = job.handle == null ? null : job.handle.progress();
    if (progress != null) {
      doc.put("progress", progress);
    }
    return doc;
  }

  /** What a document says of a job: its record (without edges to other records) and its last progress. */
  record Read(JobRecord record, Map<String, Object> progress) {}

  @SuppressWarnings("unchecked")
  static Read read(String text) {
    Map<String, Object> doc = Json.parseObject(text.getBytes(StandardCharsets.UTF_8), WRAPPER_LEVELS);
    JobOptions options = options((Map<String, Object>) doc.get("options"));
    Map<String, Object> data = (Map<String, Object>) doc.get("data");
    boolean combined = Boolean.TRUE.equals(doc.get("combined"));
    JobRecord job = new JobRecord((String) doc.get("id"), data, options, number(doc.get("seq")),
        number(doc.get("submittedAt")), combined, (String) doc.get("combiner"),
        Boolean.TRUE.equals(doc.get("combineAsTask")));
    job.status = JobStatus.valueOf((String) doc.get("status"));
    if (doc.containsKey("sentData")) {
      job.sentData = (Map<String, Object>) doc.get("sentData");
    }
    if (doc.get("downstreams") instanceof List<?> downstreams) {
      job.downstreamIds = new ArrayList<>((List<String>) downstreams);
    }
    if (doc.get("attempts") instanceof List<?> attempts) {
      for (Object attempt : attempts) {
        job.addAttempt(attempt((Map<String, Object>) attempt));
      }
    }
    job.result = (Map<String, Object>) doc.get("result");
    if (doc.get("failure") instanceof Map<?, ?> failure) {
      job.failure = failure((Map<String, Object>) failure);
    }
    if (doc.containsKey("finishedAt")) {
      job.finishedAtMillis = number(doc.get("finishedAt"));
    }
    return new Read(job, (Map<String, Object>) doc.get("progress"));
  }

  private static Map<String, Object> options(JobOptions options) {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("priority", options.priority());
    map.put("group", options.group());
    map.put("labels", options.labels());
    map.put("timeoutMs", options.timeout().toMillis());
    map.put("queueTimeoutMs", options.queueTimeout().toMillis());
    map.put("deadlineMs", options.deadline().toMillis());
    map.put("maxAttempts", options.maxAttempts());
    map.put("retryOn", options.retryOn().stream().map(Enum::name).sorted().toList());
    Backoff backoff = options.backoff();
    map.put("backoff", Map.of("initialMs", backoff.initial().toMillis(), "multiplier", backoff.multiplier(),
        "capMs", backoff.cap().toMillis()));
    if (options.name() != null) {
      map.put("name", options.name());
    }
    map.put("after", options.after());
    map.put("passing", options.passing().name());
    map.put("leaseMs", options.lease().toMillis());
    return map;
  }

  @SuppressWarnings("unchecked")
  private static JobOptions options(Map<String, Object> map) {
    Map<String, Object> backoff = (Map<String, Object>) map.get("backoff");
    EnumSet<TaskFailure.Reason> retryOn = EnumSet.noneOf(TaskFailure.Reason.class);
    for (Object reason : (List<Object>) map.get("retryOn")) {
      retryOn.add(TaskFailure.Reason.valueOf((String) reason));
    }
    return JobOptions.builder()
        .priority((int) number(map.get("priority")))
        .group((String) map.get("group"))
        .labels((List<String>) map.get("labels"))
        .timeout(Duration.ofMillis(number(map.get("timeoutMs"))))
        .queueTimeout(Duration.ofMillis(number(map.get("queueTimeoutMs"))))
        .deadline(Duration.ofMillis(number(map.get("deadlineMs"))))
        .maxAttempts((int) number(map.get("maxAttempts")))
        .retryOn(retryOn.toArray(new TaskFailure.Reason[0]))
        .backoff(new Backoff(Duration.ofMillis(number(backoff.get("initialMs"))),
            ((Number) backoff.get("multiplier")).doubleValue(), Duration.ofMillis(number(backoff.get("capMs")))))
        .name((String) map.get("name"))
        .afterIds((List<String>) map.get("after"))
        .passing(Passing.valueOf((String) map.get("passing")))
        .lease(Duration.ofMillis(number(map.get("leaseMs"))))
        .build();
  }

  private static Map<String, Object> attempt(Attempt attempt) {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("number", attempt.number());
    map.put("connection", attempt.connection());
    map.put("taskId", attempt.taskId());
    map.put("dispatchedAt", attempt.dispatchedAt().toEpochMilli());
    if (attempt.finishedAt() != null) {
      map.put("finishedAt", attempt.finishedAt().toEpochMilli());
    }
    if (attempt.outcome() != null) {
      map.put("outcome", attempt.outcome().name());
    }
    if (attempt.failure() != null) {
      map.put("failure", failure(attempt.failure()));
    }
    return map;
  }

  @SuppressWarnings("unchecked")
  private static Attempt attempt(Map<String, Object> map) {
    Object finished = map.get("finishedAt");
    Object outcome = map.get("outcome");
    Object failure = map.get("failure");
    return new Attempt((int) number(map.get("number")), (String) map.get("connection"), (String) map.get("taskId"),
        Instant.ofEpochMilli(number(map.get("dispatchedAt"))),
        finished == null ? null : Instant.ofEpochMilli(number(finished)),
        outcome == null ? null : TaskStatus.valueOf((String) outcome),
        failure == null ? null : failure((Map<String, Object>) failure));
  }

  private static Map<String, Object> failure(TaskFailure failure) {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("reason", failure.reason().name());
    map.put("message", failure.message());
    return map;
  }

  private static TaskFailure failure(Map<String, Object> map) {
    return new TaskFailure(TaskFailure.Reason.valueOf((String) map.get("reason")), (String) map.get("message"));
  }

  private static long number(Object value) {
    return ((Number) value).longValue();
  }
}
