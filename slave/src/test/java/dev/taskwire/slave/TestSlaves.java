package dev.taskwire.slave;

import dev.taskwire.common.testing.Servers;

/** Slaves for tests: on {@link Servers#LOOPBACK}, any free port. */
public final class TestSlaves {
  private TestSlaves() {}

  /** A builder preset to listen on 127.0.0.1, port 0; the rest as each test needs. */
  public static Slave.Builder loopback() {
    return Slave.builder().host(Servers.LOOPBACK).port(0);
  }
}
