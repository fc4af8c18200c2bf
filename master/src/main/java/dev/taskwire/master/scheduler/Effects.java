package dev.taskwire.master.scheduler;

import java.util.ArrayList;
import java.util.List;

/**
 * What a change decided under the scheduler's lock must do once the lock is released: run
 * callbacks, cancel an attempt, send a task. Nothing slow or foreign ever runs under the lock.
 */
final class Effects {
  private List<Runnable> actions;

  void add(Runnable action) {
    if (actions == null) {
      actions = new ArrayList<>(4);
    }
    actions.add(action);
  }

  /** Runs them in order; call off the lock. */
  void run() {
    if (actions != null) {
      for (Runnable action : actions) {
        action.run();
      }
      actions = null;
    }
  }
}
