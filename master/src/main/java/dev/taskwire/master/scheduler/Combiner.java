package dev.taskwire.master.scheduler;

import java.util.List;
import java.util.Map;

/**
 * The function of a combined job ({@link Scheduler#combine}, Dara's {@code MetaTask}): from the
 * results of its upstream jobs, in the order they were given, to its own result (or, for {@link
 * Scheduler#combineAsTask}, to the data sent to a slave). Runs once, on a callback thread of the
 * scheduler, never under its lock; an exception fails the job with reason {@code COMBINE_FAILED}.
 * Registered under a name ({@link Scheduler#registerCombiner}), it serves jobs that outlive a restart.
 */
@FunctionalInterface
public interface Combiner {
  /** The combination of {@code results}, one per upstream in order; a JSON object. */
  Map<String, Object> combine(List<Map<String, Object>> results) throws Exception;
}
