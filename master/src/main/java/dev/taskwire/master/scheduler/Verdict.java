package dev.taskwire.master.scheduler;

/**
 * What becomes of a job whose current attempt ended: it {@link Ending ends}, or it is {@link Retry
 * retried}. Decided by the attempt's outcome and the job's retry policy, applied by the {@link
 * JobStore} with the attempt's end, in one call.
 */
sealed interface Verdict permits Ending, Retry {}
