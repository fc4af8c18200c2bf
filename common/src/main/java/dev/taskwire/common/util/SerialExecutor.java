package dev.taskwire.common.util;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs what it is given one at a time, in the order given, on the threads of another executor: so
 * that one task's (or job's) progress callbacks and final callbacks keep their order on a shared
 * pool. An action that throws is logged and the next one still runs. If the pool refuses work
 * (it has stopped), the actions run on the calling thread rather than never.
 */
public final class SerialExecutor implements Executor {
  private static final Logger log = LoggerFactory.getLogger(SerialExecutor.class);

  private final Executor pool;
  private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
  private boolean running; // guarded by queue

  public SerialExecutor(Executor pool) {
    this.pool = pool;
  }

  @Override
  public void execute(Runnable action) {
    synchronized (queue) {
      queue.add(action);
      if (running) {
        return;
      }
      running = true;
    }
    try {
      pool.execute(this::drain);
    } catch (RejectedExecutionException stopped) {
      drain();
    }
  }

  private void drain() {
    while (true) {
      Runnable next;
      synchronized (queue) {
        next = queue.poll();
        if (next == null) {
          running = false;
          return;
        }
      }
      try {
        next.run();
      } catch (RuntimeException | Error e) {
        log.error("An action of a serial executor threw; the next ones still run", e);
      }
    }
  }
}
