package dev.taskwire.slave;

import dev.taskwire.common.http.BaseUrl;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.function.IntSupplier;
import java.util.function.Predicate;

/**
 * Whether an address that a master's {@code /connect} proof names ({@code proof.to}) is this slave:
 * its {@code --advertise} URL, or its own scheme and port on a host name that resolves to an
 * address of this host (loopback included). A slave that masters reach through a proxy, a port
 * mapping or NAT is known to them by an address it cannot see from inside, and must be given that
 * address with {@code --advertise}.
 *
 * <p>Only proofs whose MAC matched get here, so a name is looked up only for a member of the fleet,
 * never for whoever sends a {@code /connect}.
 */
final class OwnAddresses implements Predicate<String> {
  private final BaseUrl advertised; // null if none
  private final boolean https;
  private final IntSupplier port;

  OwnAddresses(BaseUrl advertised, boolean https, IntSupplier port) {
    this.advertised = advertised;
    this.https = https;
    this.port = port;
  }

  @Override
  public boolean test(String address) {
    BaseUrl url;
    try {
      url = BaseUrl.parse(address);
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (url.equals(advertised)) {
      return true;
    }
    return url.https() == https && url.port() == port.getAsInt() && isThisHost(url.host());
  }

  private static boolean isThisHost(String host) {
    try {
      for (InetAddress address : InetAddress.getAllByName(host)) {
        if (address.isLoopbackAddress() || address.isAnyLocalAddress() || NetworkInterface.getByInetAddress(address) != null) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      return false; // a name this host cannot resolve is not this host's
    }
  }
}
