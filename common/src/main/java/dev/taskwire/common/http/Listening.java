package dev.taskwire.common.http;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** What a server's listen address exposes: whether only this host can reach it. */
public final class Listening {
  private Listening() {}

  /**
   * Whether {@code host} (a listen address such as {@code 127.0.0.1}, {@code localhost} or {@code
   * 0.0.0.0}) is reachable from this host only. An address that cannot be resolved counts as
   * reachable from elsewhere, so that the warning errs on the side of being shown.
   */
  public static boolean onLoopbackOnly(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
