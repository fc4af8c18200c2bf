package dev.taskwire.master.scheduler;

import dev.taskwire.master.store.StoreException;
import dev.taskwire.common.protocol.TaskId;
import dev.taskwire.master.scheduler.SchedulerEvent.Type;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Takes jobs in: checks what a submit asks for (its data, its upstreams, room in the queue), has
 * the store accept each job with its edges, arms its deadline, tells the SUBMITTED event, and lets
 * the dispatch take what can run at once. A batch is accepted whole or not at all.
 */
final class Intake {
  private final Object lock;
  private final int capacity;
  private final JobStore store;
  private final SchedulerEvents events;
  private final Outcomes outcomes;
  private final Dispatch dispatch;
  private final Function<JobRecord, Job> handles;
  private final Combiners combiners;

  /** {@code handles} makes the caller's handle of a record; {@code combiners} has the names a combined job may give. */
  Intake(Object lock, int capacity, JobStore store, SchedulerEvents events, Outcomes outcomes, Dispatch dispatch,
      Function<JobRecord, Job> handles, Combiners combiners) {
    this.combiners = combiners;
    this.lock = lock;
    this.capacity = capacity;
    this.store = store;
    this.events = events;
    this.outcomes = outcomes;
    this.dispatch = dispatch;
    this.handles = handles;
  }

  /** See {@link Scheduler#submitAll}. */
  List<Job> submitAll(List<? extends Map<String, Object>> data, JobOptions options) {
    Objects.requireNonNull(options, "options == null");
    List<Map<String, Object>> copies = new ArrayList<>(data.size());
    List<String> ids = new ArrayList<>(data.size());
    for (Map<String, Object> one : data) {
      // Not Map.copyOf: JSON data may hold nulls.
      copies.add(Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(one, "data == null"))));
      ids.add(TaskId.random().value()); // here, not under the lock
    }
    if (options.passing() == Passing.NEST && !options.after().isEmpty()
        && copies.stream().anyMatch(one -> one.containsKey(Passing.NEST_KEY))) {
      throw new IllegalArgumentException("the data has an \"" + Passing.NEST_KEY + "\" entry, where passing NEST puts the"
          + " upstream results; rename it, or pass them with MERGE or NONE");
    }
    List<Job> jobs = new ArrayList<>(copies.size());
    Effects effects = new Effects();
    long ticket;
    synchronized (lock) {
      checkRoom(copies.size());
      List<JobRecord> upstreams = DependencyGraph.upstreamsOf(store, options);
      for (int i = 0; i < copies.size(); i++) {
        jobs.add(accept(new JobRecord(ids.get(i), copies.get(i), options, store.nextSeq()), upstreams, effects));
      }
      ticket = store.ticket();
      if (!store.isDurable()) {
        dispatch.promote(effects); // in memory, nothing to wait for: dispatched at once
      }
    }
    stored(ticket, jobs, effects);
    return jobs;
  }

  /**
   * See {@link Scheduler#combine} and {@link Scheduler#combineAsTask}: with {@code function} (code,
   * not kept by a store) or the function registered as {@code name}.
   */
  Job submitCombined(List<Job> upstreams, Combiner function, String name, JobOptions options, boolean asTask) {
    if (name == null) {
      Objects.requireNonNull(function, "function == null");
    }
    if (upstreams.isEmpty()) {
      throw new IllegalArgumentException("a combined job needs at least one upstream");
    }
    JobOptions combined = options.toBuilder().after(upstreams).passing(Passing.NONE).build();
    String id = TaskId.random().value();
    Effects effects = new Effects();
    Job job;
    long ticket;
    synchronized (lock) {
      if (name != null) {
        combiners.checkRegistered(name);
      }
      checkRoom(1);
      List<JobRecord> resolved = DependencyGraph.upstreamsOf(store, combined);
      JobRecord record = name == null ? new JobRecord(id, Map.of(), combined, store.nextSeq(), function, asTask)
          : new JobRecord(id, Map.of(), combined, store.nextSeq(), name, asTask);
      job = accept(record, resolved, effects);
      ticket = store.ticket();
      if (!store.isDurable()) {
        dispatch.promote(effects); // in memory, nothing to wait for: dispatched at once
      }
    }
    stored(ticket, List.of(job), effects);
    return job;
  }

  /**
   * Returns once the submit of {@code jobs} is on disk, then lets the dispatch take them and runs
   * what accepting them released ({@code accepted}: a combined job's function, the sends); in
   * memory, at once. Until then a durable store's jobs are held back from the dispatch ({@link
   * JobRecord#unstored}): if the store cannot write the submit, they are cancelled, the failure is
   * thrown, and none of them has been sent to a slave.
   */
  private void stored(long ticket, List<Job> jobs, Effects accepted) {
    if (!store.isDurable()) {
      accepted.run();
      return;
    }
    StoreException failed = null;
    try {
      store.awaitStored(ticket);
    } catch (StoreException e) {
      failed = e;
    }
    synchronized (lock) {
      for (Job job : jobs) {
        job.record().unstored = false;
        if (failed != null) {
          outcomes.end(job.record(), Ending.cancelledByCaller("not accepted: the store could not write it"), accepted);
        }
      }
      dispatch.promote(accepted);
    }
    accepted.run();
    if (failed != null) {
      throw failed;
    }
  }

  /** Under the lock: throws unless {@code count} more jobs may wait. */
  private void checkRoom(int count) {
    if (store.isClosed()) {
      throw new IllegalStateException("the master is shutting down: no new jobs");
    }
    int queued = store.waiting();
    if (queued + count > capacity) {
      throw new QueueFullException(capacity, queued, count);
    }
  }

  /** Under the lock: the store takes {@code record}, to run after {@code upstreams}; returns its handle. */
  private Job accept(JobRecord record, List<JobRecord> upstreams, Effects effects) {
    Job job = handles.apply(record);
    record.unstored = store.isDurable();
    Changes changes = new Changes();
    store.add(record, upstreams, changes);
    outcomes.accepted(record);
    if (events.wanted()) {
      events.publish(SchedulerEvent.ofJob(Type.SUBMITTED, record, null, null, null, null, null));
    }
    outcomes.apply(changes, effects);
    return job;
  }
}
