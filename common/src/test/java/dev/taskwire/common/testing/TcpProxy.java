package dev.taskwire.common.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on 127.0.0.1 that a test can take down and bring back on the same port: {@link
 * #refuse()} closes the listening socket and every open connection, so new connections are
 * refused; {@link #accept()} listens again. Every thread is a daemon and stops with {@link #close()}.
 */
public final class TcpProxy implements AutoCloseable {
  private final int targetPort;
  private final int port;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private volatile ServerSocket server;
  private volatile boolean closed;

  /** A proxy to 127.0.0.1:{@code targetPort}, listening on a free port. */
  public TcpProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    ServerSocket first = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.port = first.getLocalPort();
    listen(first);
  }

  /** The port clients connect to. */
  public int port() {
    return port;
  }

  /** Stops listening and cuts every connection: clients now get "connection refused". */
  public synchronized void refuse() throws IOException {
    server.close();
    for (Socket socket : open) {
      socket.close();
    }
    open.clear();
  }

  /** Listens again on the same port. */
  public synchronized void accept() throws IOException {
    ServerSocket again = new ServerSocket();
    again.setReuseAddress(true);
    again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
    listen(again);
  }

  @Override
  public synchronized void close() throws IOException {
    closed = true;
    refuse();
  }

  private void listen(ServerSocket socket) {
    this.server = socket;
    Thread acceptor = new Thread(() -> {
      while (!socket.isClosed()) {
        try {
          Socket client = socket.accept();
          Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
          synchronized (this) {
            if (socket.isClosed()) {
              // refuse() ran between accept() and here: this connection must not outlive it.
              client.close();
              target.close();
              continue;
            }
            open.add(client);
            open.add(target);
          }
          pipe(client, target);
          pipe(target, client);
        } catch (IOException e) {
          if (closed || socket.isClosed()) {
            return;
          }
        }
      }
    }, "tcp-proxy-accept-" + port);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private static void pipe(Socket from, Socket to) {
    Thread thread = new Thread(() -> {
      byte[] buffer = new byte[8192];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException cut) {
        // One side closed: close both below.
      } finally {
        try {
          from.close();
          to.close();
        } catch (IOException ignored) {
          // Already closed.
        }
      }
    }, "tcp-proxy-pipe");
    thread.setDaemon(true);
    thread.start();
  }
}
