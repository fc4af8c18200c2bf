package dev.taskwire.common.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;

/** Ports and processes of tests that start the JARs: a free loopback port, whether one listens. */
public final class Ports {
  private Ports() {}

  /** A port on 127.0.0.1 free right now (for a process that must be told its port up front). */
  public static int free() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on loopback", e);
    }
  }

  /** Whether something accepts connections on 127.0.0.1:{@code port}. */
  public static boolean listening(int port) {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Starts {@code command} with its output (stdout and stderr) in {@code dir/name.log}. */
  public static Process start(Path dir, String name, List<String> command) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve(name + ".log").toFile());
    // A master's store of its own in the test's directory, never the user's ~/.taskwire/data
    // (a --data-dir on the command line still wins).
    builder.environment().put("TASKWIRE_DATA_DIR", dir.resolve(name + "-data").toString());
    return builder.start();
  }
}
