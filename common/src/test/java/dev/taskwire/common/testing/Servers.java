package dev.taskwire.common.testing;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The servers a test starts, closed after it in reverse order (a slave before the master it reports
 * to, say), whatever the test did. Use as {@code @RegisterExtension final Servers servers = new
 * Servers();} and {@code slave = servers.start(TestSlaves.loopback().build().start())}; each side's
 * tests have a preset builder on {@link #LOOPBACK} port 0 ({@code TestSlaves}, {@code TestMasters}).
 *
 * <p>A process is killed (SIGKILL) after the test, or, registered with a grace period, stopped as a
 * user stops one: SIGTERM to it and to the processes it started, SIGKILL to what is still running
 * after the grace period.
 *
 * <p>A test may stop what it registered itself (a restart, a kill): each is closed here once more,
 * so it must tolerate a second close, as servers do (STYLE.md); registering the same object twice
 * closes it once. A close that throws (or fails an assertion) does not keep the others from being closed.
 */
public final class Servers implements AfterEachCallback {
  /** Where test servers listen and whom they call back: traffic in tests stays on this machine. */
  public static final String LOOPBACK = "127.0.0.1";
  /** How long {@link #start(Process)} and {@link #start(Process, Duration)} wait for a killed process to be gone. */
  private static final long PROCESS_WAIT_SECONDS = 10;

  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private final Set<Object> registered = Collections.newSetFromMap(new IdentityHashMap<>());

  /** Registers {@code server} to be closed after the test; returns it. */
  public synchronized <T extends AutoCloseable> T start(T server) {
    if (registered.add(server)) {
      started.push(server);
    }
    return server;
  }

  /** Registers {@code process} to be killed (SIGKILL) after the test and waited for 10 s; returns it. */
  public synchronized Process start(Process process) {
    if (registered.add(process)) {
      started.push(() -> process.destroyForcibly().waitFor(PROCESS_WAIT_SECONDS, TimeUnit.SECONDS));
    }
    return process;
  }

  /**
   * Registers {@code process} to be stopped after the test as a user stops it: SIGTERM to it and to
   * the processes it started; if it has not exited within {@code grace}, SIGKILL to it and to those
   * of them still running, and a wait of 10 s. For a server whose own shutdown the test lets run
   * (a JAR, a shell with a JAR in it); returns it.
   */
  public synchronized Process start(Process process, Duration grace) {
    Objects.requireNonNull(grace, "grace == null");
    if (registered.add(process)) {
      started.push(() -> stop(process, grace));
    }
    return process;
  }

  private static void stop(Process process, Duration grace) throws InterruptedException {
    List<ProcessHandle> descendants = process.descendants().toList();
    descendants.forEach(ProcessHandle::destroy);
    process.destroy();
    if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
      descendants.forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor(PROCESS_WAIT_SECONDS, TimeUnit.SECONDS);
    }
  }

  /**
   * Registers {@code stop} to run after the test, in the same order as the servers: for what is not
   * {@link AutoCloseable} ({@code servers.after(server::stop)}, an executor's {@code shutdownNow}).
   */
  public synchronized void after(AutoCloseable stop) {
    started.push(stop);
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    Throwable first = null;
    while (true) {
      AutoCloseable server;
      synchronized (this) {
        server = started.poll();
        if (server == null) {
          registered.clear();
          break;
        }
      }
      try {
        server.close();
      } catch (Exception | AssertionError e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first instanceof AssertionError failed) {
      throw failed;
    } else if (first != null) {
      throw (Exception) first;
    }
  }
}
