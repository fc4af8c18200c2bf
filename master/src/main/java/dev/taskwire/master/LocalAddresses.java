package dev.taskwire.master;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Collections;

/** Finds an address of this host that slaves on other hosts can reach. */
final class LocalAddresses {
  private LocalAddresses() {}

  /**
   * The first IPv4 address of an interface that is up and not loopback (what the reference's
   * get_host_ip finds), else the local host's address.
   */
  static String nonLoopbackHost() {
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nic.isUp() || nic.isLoopback() || nic.isVirtual()) {
          continue;
        }
        for (InetAddress address : Collections.list(nic.getInetAddresses())) {
          if (address instanceof Inet4Address && !address.isLoopbackAddress() && !address.isLinkLocalAddress()) {
            return address.getHostAddress();
          }
        }
      }
      return InetAddress.getLocalHost().getHostAddress();
    } catch (SocketException | UnknownHostException e) {
      return "127.0.0.1";
    }
  }

  /**
   * The host of the default callback address: the one given; else, for a master that listens on
   * loopback only, that address (a non-loopback one would not answer: its slaves are on this
   * host); else this host's first non-loopback IPv4 address.
   */
  static String callbackHost(MasterConfig config) {
    if (config.callbackHost() != null) {
      return config.callbackHost();
    }
    return dev.taskwire.common.http.Listening.onLoopbackOnly(config.host()) ? config.host() : LocalAddresses.nonLoopbackHost();
  }
}
