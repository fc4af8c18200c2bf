package dev.taskwire.common.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * An HTTP/1.1 proxy on 127.0.0.1 that forwards each request to a server and its answer back, except
 * that for a request whose line {@code dropAnswer} accepts it resets the client's connection after
 * the server has answered: the request arrived and was acted on, but its answer is lost. Requests
 * and answers must declare a Content-Length (OkHttp's and Taskwire's do).
 */
public final class AnswerDroppingProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final int targetPort;
  private final Predicate<String> dropAnswer;
  private final List<String> requestLines = new CopyOnWriteArrayList<>();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  /** A proxy to 127.0.0.1:{@code targetPort} that loses the answers to requests {@code dropAnswer} picks. */
  public AnswerDroppingProxy(int targetPort, Predicate<String> dropAnswer) throws IOException {
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.targetPort = targetPort;
    this.dropAnswer = dropAnswer;
    Thread acceptor = new Thread(this::accept, "answer-dropping-proxy");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The port clients connect to. */
  public int port() {
    return listener.getLocalPort();
  }

  /** Every request line forwarded so far, e.g. {@code POST /task/new HTTP/1.1}. */
  public List<String> requestLines() {
    return List.copyOf(requestLines);
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        sockets.add(client);
        Thread thread = new Thread(() -> serve(client), "answer-dropping-proxy-connection");
        thread.setDaemon(true);
        thread.start();
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void serve(Socket client) {
    try (client; Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort)) {
      sockets.add(server);
      InputStream fromClient = client.getInputStream();
      OutputStream toClient = client.getOutputStream();
      InputStream fromServer = server.getInputStream();
      OutputStream toServer = server.getOutputStream();
      while (true) {
        byte[] request = readMessage(fromClient);
        if (request == null) {
          return;
        }
        String line = firstLine(request);
        requestLines.add(line);
        toServer.write(request);
        toServer.flush();
        byte[] answer = readMessage(fromServer);
        if (answer == null) {
          return;
        }
        if (dropAnswer.test(line)) {
          client.setSoLinger(true, 0); // a reset: the client learns nothing of the answer
          return;
        }
        toClient.write(answer);
        toClient.flush();
      }
    } catch (IOException connectionEnded) {
      // Either side went away: this connection is over.
    }
  }

  /** One HTTP message (head and Content-Length body), or null at the end of the stream. */
  private static byte[] readMessage(InputStream in) throws IOException {
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      message.write(b);
      matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String head = message.toString(StandardCharsets.ISO_8859_1);
    int length = 0;
    for (String header : head.split("\r\n")) {
      if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(header.substring("content-length:".length()).trim());
      }
    }
    message.write(in.readNBytes(length));
    return message.toByteArray();
  }

  private static String firstLine(byte[] message) {
    String text = new String(message, StandardCharsets.ISO_8859_1);
    return text.substring(0, text.indexOf("\r\n"));
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (Socket socket : sockets) {
      socket.close();
    }
  }
}
