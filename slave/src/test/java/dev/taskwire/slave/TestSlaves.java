package dev.taskwire.slave;

import dev.taskwire.common.testing.Servers;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** Slaves for tests: on {@link Servers#LOOPBACK}, any free port; and processors tests share. */
public final class TestSlaves {
  private TestSlaves() {}

  /** A builder preset to listen on 127.0.0.1, port 0; the rest as each test needs. */
  public static Slave.Builder loopback() {
    return Slave.builder().host(Servers.LOOPBACK).port(0);
  }

  /**
   * A processor that counts {@code started} down and sleeps for a minute, for a task that a timeout,
   * a cancel or a shutdown must stop: interrupted, it counts {@code interrupted} down and ends with
   * the {@link InterruptedException}.
   */
  public static TaskProcessor sleeper(CountDownLatch started, CountDownLatch interrupted) {
    return data -> {
      started.countDown();
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        interrupted.countDown();
        throw e;
      }
      return Map.of();
    };
  }
}
