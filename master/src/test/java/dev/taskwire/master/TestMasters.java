package dev.taskwire.master;

import dev.taskwire.common.testing.Servers;

/** Masters for tests: on {@link Servers#LOOPBACK}, any free port, slaves calling back to loopback. */
public final class TestMasters {
  private TestMasters() {}

  /** A builder preset to listen on 127.0.0.1, port 0, with the callback address on 127.0.0.1. */
  public static Master.Builder loopback() {
    return Master.builder().host(Servers.LOOPBACK).port(0).callbackHost(Servers.LOOPBACK);
  }
}
