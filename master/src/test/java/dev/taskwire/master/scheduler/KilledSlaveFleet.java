package dev.taskwire.master.scheduler;

import dev.taskwire.common.testing.Await;
import dev.taskwire.common.testing.Servers;
import dev.taskwire.master.Master;
import dev.taskwire.master.SlaveJvms;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet of the killed-slave ITs, which extend this: four slave JVMs of 4 slots
 * ({@link SlaveJvms#killable}) connected to a master that drops a slave silent for
 * {@link #TOLERANCE}, started before each test and killed after it; and the callbacks of each job
 * the test {@link #counted counts}, to check that every job ends once.
 */
abstract class KilledSlaveFleet {
  /** Loose enough that a slave JVM starved of CPU (CI shares two cores) is rarely dropped early. */
  static final Duration TOLERANCE = Duration.ofSeconds(5);

  @RegisterExtension final Servers servers = new Servers();
  @TempDir Path dir;
  SlaveJvms slaves;
  Master master;
  Scheduler scheduler;
  private final Map<String, AtomicInteger> callbacks = new ConcurrentHashMap<>();
  private final AtomicInteger completed = new AtomicInteger();

  @BeforeEach
  @Timeout(150) // each JVM is given 30 s to listen
  void startFleet() throws Exception {
    slaves = servers.start(SlaveJvms.killable(dir, 4));
    master = servers.start(SlaveJvms.watchingMaster(TOLERANCE).build().start());
    slaves.connect(master);
    scheduler = master.scheduler();
  }

  /** Counts the callbacks of {@code job} (onComplete and onFail alike) and the jobs completed; returns it. */
  Job counted(Job job) {
    job.onComplete((data, result) -> {
      callbacks.computeIfAbsent(job.id(), id -> new AtomicInteger()).incrementAndGet();
      completed.incrementAndGet();
    }).onFail((data, result) -> callbacks.computeIfAbsent(job.id(), id -> new AtomicInteger()).incrementAndGet());
    return job;
  }

  /** The callbacks {@code job} has run so far; it must have run one. */
  int callbacks(Job job) {
    return callbacks.get(job.id()).get();
  }

  /**
   * Waits up to 60 s until {@code jobs} of the counted jobs have completed ({@code what}), then
   * kills the JVM of the busiest slave; returns its connection's name.
   */
  String killBusiestOnceCompleted(int jobs, String what) throws InterruptedException {
    Await.until(Duration.ofSeconds(60), what, () -> completed.get() >= jobs);
    return slaves.killBusiest(master);
  }
}
