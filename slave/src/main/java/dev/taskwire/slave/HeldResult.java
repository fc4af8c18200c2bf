package dev.taskwire.slave;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A task's result kept in the {@link Outbox} for the master id it belongs to, until that master
 * connects again and takes it (extension "adopt").
 *
 * @param masterId the stable id of the master that sent the task
 * @param taskId the task id that master sent in {@code /task/new}
 * @param completed whether it goes to {@code /slave/task/complete} (else {@code /slave/task/fail})
 * @param result the result as plain JSON values; null once a store keeps it elsewhere (on disk),
 *     to be read back with {@link Outbox#result(HeldResult)}
 * @param heldAt when it was put in the outbox, for {@code --outbox-max-age}
 */
record HeldResult(String masterId, String taskId, boolean completed, Map<String, Object> result, Instant heldAt) {
  HeldResult {
    Objects.requireNonNull(masterId, "masterId == null");
    Objects.requireNonNull(taskId, "taskId == null");
    Objects.requireNonNull(heldAt, "heldAt == null");
  }

  /** What names it in the outbox: one result per master id and task id. */
  Key key() {
    return new Key(masterId, taskId);
  }

  /** This entry without its result, which a store keeps elsewhere. */
  HeldResult withoutResult() {
    return result == null ? this : new HeldResult(masterId, taskId, completed, null, heldAt);
  }

  /** One result per master id and task id. */
  record Key(String masterId, String taskId) {}
}
