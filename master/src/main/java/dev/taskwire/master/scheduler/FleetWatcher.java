package dev.taskwire.master.scheduler;

import dev.taskwire.common.protocol.Extensions;
import dev.taskwire.master.ConnectionListener;
import dev.taskwire.master.SlaveConnection;
import dev.taskwire.master.Task;
import dev.taskwire.master.scheduler.SchedulerEvent.Type;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the scheduler hears from its master: connections that become live (they take queued jobs
 * at once) or end, attempts that end or report progress, and the master's shutdown.
 */
final class FleetWatcher implements ConnectionListener {
  private final Object lock;
  private final SchedulerEvents events;
  private final Dispatch dispatch;
  private final Outcomes outcomes;
  private final Runnable shutdown;
  private final Orphans orphans;

  FleetWatcher(Object lock, SchedulerEvents events, Dispatch dispatch, Outcomes outcomes, Runnable shutdown,
      Orphans orphans) {
    this.orphans = orphans;
    this.lock = lock;
    this.events = events;
    this.dispatch = dispatch;
    this.outcomes = outcomes;
    this.shutdown = shutdown;
  }

  @Override
  public void connectionLive(SlaveConnection connection) {
    Effects effects = new Effects();
    synchronized (lock) {
      if (!connection.isConnected()) {
        return; // ended before it was told live: its end event came first, or comes now
      }
      dispatch.connectionLive(FleetMember.of(connection));
      List<String> held = connection.heldTaskIds();
      for (String taskId : held) {
        orphans.claim(connection, taskId, dispatch); // what it ran for this master before a restart
      }
      if (connection.extensions().contains(Extensions.ADOPT)) {
        // It would have listed every attempt of this master it has: the others never reached it.
        for (JobRecord job : orphans.unclaimedOn(connection.name(), Set.copyOf(held))) {
          String taskId = job.lastAttempt().taskId();
          if (orphans.remove(taskId)) {
            outcomes.orphanLost(job, taskId, effects);
          }
        }
      }
      if (events.wanted()) {
        events.publish(SchedulerEvent.ofConnection(Type.CONNECTION_LIVE, connection.name()));
      }
      dispatch.promote(effects);
    }
    effects.run();
  }

  @Override
  public void connectionEnded(SlaveConnection connection) {
    synchronized (lock) {
      dispatch.connectionEnded(FleetMember.of(connection));
      if (events.wanted()) {
        events.publish(SchedulerEvent.ofConnection(Type.CONNECTION_ENDED, connection.name()));
      }
    }
  }

  @Override
  public void attemptEnded(SlaveConnection connection, Task task) {
    outcomes.attemptEnded(task);
  }

  @Override
  public void attemptProgress(SlaveConnection connection, Task task, Map<String, Object> progress) {
    outcomes.attemptProgress(connection.name(), task, progress);
  }

  @Override
  public void masterShuttingDown() {
    shutdown.run();
  }
}
