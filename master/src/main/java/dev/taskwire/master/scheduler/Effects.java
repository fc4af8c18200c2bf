package dev.taskwire.master.scheduler;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a change decided under the scheduler's lock must do once the lock is released: run
 * callbacks, cancel an attempt, send a task. Nothing slow or foreign ever runs under the lock.
 */
final class Effects {
  private static final Logger log = LoggerFactory.getLogger(Effects.class);

  private List<Runnable> actions;

  void add(Runnable action) {
    if (actions == null) {
      actions = new ArrayList<>(4);
    }
    actions.add(action);
  }

  /** Runs them in order, each whatever the one before did; call off the lock. */
  void run() {
    if (actions != null) {
      for (Runnable action : actions) {
        try {
          action.run();
        } catch (RuntimeException | Error e) {
          // Another job's callbacks or send must not be skipped for it.
          log.error("A scheduler action failed; the others still run", e);
        }
      }
      actions = null;
    }
  }
}
