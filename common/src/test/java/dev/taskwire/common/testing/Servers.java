package dev.taskwire.common.testing;

import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The servers a test starts, closed after it in reverse order (a slave before the master it reports
 * to, say), whatever the test did. Use as {@code @RegisterExtension final Servers servers = new
 * Servers();} and {@code slave = servers.start(TestSlaves.loopback().build().start())}; each side's
 * tests have a preset builder on {@link #LOOPBACK} port 0 ({@code TestSlaves}, {@code TestMasters}).
 */
public final class Servers implements AfterEachCallback {
  /** Where test servers listen and whom they call back: traffic in tests stays on this machine. */
  public static final String LOOPBACK = "127.0.0.1";

  private final Deque<AutoCloseable> started = new ArrayDeque<>();

  /** Registers {@code server} to be closed after the test; returns it. */
  public synchronized <T extends AutoCloseable> T start(T server) {
    started.push(server);
    return server;
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    Exception first = null;
    while (true) {
      AutoCloseable server;
      synchronized (this) {
        server = started.poll();
      }
      if (server == null) {
        break;
      }
      try {
        server.close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
