package dev.taskwire.master;

import java.util.Map;

/**
 * Told of a running task's (or job's) progress, as its processor reported it (a JSON object, such
 * as {@code {"done": 3, "total": 10}}): in order, on a result thread, never under a lock, never after
 * the final callbacks. Updates may be coalesced: a chatty task's intermediate values can be skipped,
 * never its latest.
 */
@FunctionalInterface
public interface ProgressCallback {
  void onProgress(Map<String, Object> progress);
}
