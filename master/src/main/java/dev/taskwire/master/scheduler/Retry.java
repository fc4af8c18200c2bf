package dev.taskwire.master.scheduler;

import dev.taskwire.master.TaskFailure;
import java.time.Duration;

/**
 * A job's current attempt ended in a reason its policy retries, and an attempt is left: it is
 * queued again, at the head of its lane, now or after {@code delay}.
 *
 * @param reason why the attempt ended
 * @param delay the backoff before it is queued again; zero for at once
 */
record Retry(TaskFailure.Reason reason, Duration delay) implements Verdict {}
