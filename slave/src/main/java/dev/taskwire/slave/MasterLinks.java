package dev.taskwire.slave;

import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Holds the slave's one current {@link MasterLink}, if any; every change goes through here. */
final class MasterLinks {
  private static final Logger log = LoggerFactory.getLogger(MasterLinks.class);

  private final SlaveConfig config;
  private final Object lock = new Object();
  private MasterLink current; // guarded by lock

  MasterLinks(SlaveConfig config) {
    this.config = config;
  }

  /** The live link, or null when no master is connected. */
  MasterLink current() {
    synchronized (lock) {
      return current;
    }
  }

  /** Whether {@code link} is still the live link. */
  boolean isLive(MasterLink link) {
    synchronized (lock) {
      return current == link;
    }
  }

  /**
   * Where the work of {@code link} goes now: {@code link} while it is live; once it is not, the live
   * link of the same adopting master ({@link MasterLink#sameMaster}), if one is; else null. For a
   * link whose master did not announce "adopt", that is {@code link} if live, else null.
   */
  MasterLink target(MasterLink link) {
    synchronized (lock) {
      if (current == link || link.sameMaster(current)) {
        return current;
      }
      return null;
    }
  }

  /** Makes the link from {@code factory} live if none is; returns it, or null if one already was. */
  MasterLink connectIfFree(Supplier<MasterLink> factory) {
    synchronized (lock) {
      if (current != null) {
        return null;
      }
      current = factory.get();
      return current;
    }
  }

  /** Ends {@code link} if it is still live; returns whether it was. */
  boolean end(MasterLink link) {
    synchronized (lock) {
      if (current != link) {
        return false;
      }
      current = null;
      lock.notifyAll(); // the Joiner waits for this
      return true;
    }
  }

  /** Waits at most {@code limit} until no master is connected; returns whether none is. */
  boolean awaitFree(java.time.Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    synchronized (lock) {
      while (current != null) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
      return true;
    }
  }

  /** Ends {@code link} because it failed, and tells the lost-connection hook (outside the lock). */
  void lose(MasterLink link, Throwable cause) {
    if (!end(link)) {
      return;
    }
    log.warn("Lost connection to {}: {}", link, cause.toString());
    try {
      config.hooks().lostConnection(link.masterAddress().toString(), cause);
    } catch (RuntimeException e) {
      log.error("lost-connection hook failed", e);
    }
  }
}
