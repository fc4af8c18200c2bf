package dev.taskwire.common.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Assertions;

/**
 * What hostile and broken clients do, over raw sockets to 127.0.0.1: reset a connection mid-way,
 * trickle a body, send requests no HTTP library would. And a look at a server's threads to tell
 * whether any is still busy in a handler afterwards.
 */
public final class HostileClient {
  private HostileClient() {}

  /** The head of a request (asking the server to close after its answer), with the blank line that ends it. */
  public static String head(String method, String path, int port, Map<String, String> headers) {
    StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n");
    headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
    return head.append("\r\n").toString();
  }

  /** Headers in the order given, as {@code name, value, name, value, ...}; a map the caller may add to. */
  public static Map<String, String> headers(String... namesAndValues) {
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      headers.put(namesAndValues[i], namesAndValues[i + 1]);
    }
    return headers;
  }

  /**
   * Sends {@code request} and resets the connection at once (SO_LINGER 0: a TCP RST, not a FIN),
   * before the server can write its answer.
   */
  public static void sendThenReset(int port, String request) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoLinger(true, 0);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
    }
  }

  /**
   * Sends raw {@code request} bytes and reads the whole answer until the server closes (or 10 s
   * pass); returns it parsed, or null if the server closed without answering.
   */
  public static RawHttp.Response exchange(int port, byte[] request) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      try {
        socket.getOutputStream().write(request);
        socket.getOutputStream().flush();
      } catch (SocketException serverClosedEarly) {
        // The server may answer and close before reading everything: read what it said.
      }
      return readAnswer(socket.getInputStream());
    }
  }

  /** A connection that sends a request head now and its body later, a few bytes at a time. */
  public static final class SlowRequest implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;

    /** Opens the connection and sends {@code head} (which declares a body it does not send yet). */
    public SlowRequest(int port, String head) throws IOException {
      this.socket = new Socket(InetAddress.getLoopbackAddress(), port);
      socket.setSoTimeout(10_000);
      this.out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    }

    /** Sends one more byte of the body; false if the server already closed the connection. */
    public boolean trickle() {
      try {
        out.write(' ');
        out.flush();
        return true;
      } catch (IOException closed) {
        return false;
      }
    }

    /** Whether the server's answer (or part of it) has arrived, without waiting. */
    public boolean answered() throws IOException {
      return socket.getInputStream().available() > 0;
    }

    /** Waits (at most 10 s) for the server's answer; null if it closed the connection without one. */
    public RawHttp.Response answer() throws IOException {
      return readAnswer(socket.getInputStream());
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /**
   * Keeps {@code requests} trickling, one byte each every 100 ms, until the server has cut every
   * one of them (or 100 rounds, far past any body time limit in a test), then returns their answers.
   */
  public static List<RawHttp.Response> trickleUntilCut(List<SlowRequest> requests) throws IOException, InterruptedException {
    boolean anyOpen = true;
    for (int round = 0; round < 100 && anyOpen; round++) {
      anyOpen = false;
      for (SlowRequest request : requests) {
        anyOpen |= request.trickle();
      }
      Thread.sleep(100); // the trickle's pace, not a synchronisation
    }
    List<RawHttp.Response> answers = new ArrayList<>();
    for (SlowRequest request : requests) {
      answers.add(request.answer());
    }
    return answers;
  }

  /**
   * Opens {@code count} slow requests to {@code port}, request {@code i} sending the head {@code
   * head.apply(i)}, each closed after the test by {@code servers}; sends each one byte of its body
   * (Jetty dispatches a request once its first body byte is there) and waits up to 5 s until the
   * server's threads named {@code httpThreads...} hold them all in a handler.
   */
  public static List<SlowRequest> slowRequestsInHandlers(Servers servers, int port, String httpThreads, int count,
      IntFunction<String> head) throws IOException {
    List<SlowRequest> slow = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      slow.add(servers.start(new SlowRequest(port, head.apply(i))));
    }
    for (SlowRequest request : slow) {
      Assertions.assertTrue(request.trickle());
    }
    Await.until(Duration.ofSeconds(5), "every slow request inside its handler",
        () -> threadsInHandlers(httpThreads).size() >= slow.size());
    return slow;
  }

  /**
   * Keeps {@code slow} trickling until the server has cut them ({@link #trickleUntilCut}), checks
   * that each was answered at its deadline with 408 and a failure envelope of code 408, and closes them.
   */
  public static void assertCutAtTheBodyTimeout(List<SlowRequest> slow) throws IOException, InterruptedException {
    for (RawHttp.Response answer : trickleUntilCut(slow)) {
      Assertions.assertNotNull(answer, "a trickled body is answered at the deadline");
      Assertions.assertEquals(408, answer.status());
      Assertions.assertEquals(408, answer.envelope().code());
      Assertions.assertFalse(answer.envelope().success());
    }
    for (SlowRequest request : slow) {
      request.close();
    }
  }

  /** A raw request and the HTTP status its envelope must carry, as its code too. */
  public record Malformed(String request, int status) {}

  /** Sends each of {@code requests} and checks it is answered with a failure envelope of its status and code. */
  public static void assertAnsweredWithEnvelopes(int port, Map<String, Malformed> requests) throws IOException {
    for (Map.Entry<String, Malformed> request : requests.entrySet()) {
      RawHttp.Response answer = exchange(port, request.getValue().request().getBytes(StandardCharsets.ISO_8859_1));
      Assertions.assertNotNull(answer, request.getKey());
      Assertions.assertEquals(request.getValue().status(), answer.status(), request.getKey());
      Assertions.assertFalse(answer.envelope().success(), request.getKey());
      Assertions.assertEquals(request.getValue().status(), answer.envelope().code(), request.getKey() + ": the code is the HTTP status");
    }
  }

  private static RawHttp.Response readAnswer(InputStream in) throws IOException {
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    try {
      in.transferTo(raw);
    } catch (SocketException reset) {
      // A reset after the answer (the server refused to read the rest of a body) keeps the answer.
    }
    if (raw.size() == 0) {
      return null;
    }
    return RawHttp.parse(raw.toByteArray());
  }

  /**
   * The threads whose names start with {@code prefix} (a server's HTTP threads, e.g. {@code
   * taskwire-slave-http}) that are running a request: their stack holds a frame of Javalin's. An
   * idle pool thread waits in Jetty's queue and has none.
   */
  public static List<String> threadsInHandlers(String prefix) {
    List<String> busy = new ArrayList<>();
    for (ThreadInfo info : ManagementFactory.getThreadMXBean().dumpAllThreads(false, false)) {
      if (info.getThreadName().startsWith(prefix)
          && Arrays.stream(info.getStackTrace()).anyMatch(frame -> frame.getClassName().startsWith("io.javalin"))) {
        busy.add(info.getThreadName() + " " + info.getThreadState());
      }
    }
    return busy;
  }

  /**
   * Waits up to 10 s until no thread whose name starts with {@code prefix} is in a handler; the
   * failure names those still there.
   */
  public static void awaitNoneInHandlers(String prefix) {
    Await.until(Duration.ofSeconds(10), () -> "HTTP threads still in a handler: " + summary(threadsInHandlers(prefix)),
        () -> threadsInHandlers(prefix).isEmpty());
  }

  /**
   * {@code {"n": {"n": ... {}}}} nesting {@code depth} levels ({@code {}} is 1): data as deep as a
   * client may send ({@code Json.MAX_DATA_DEPTH}), or one level deeper.
   */
  public static Map<String, Object> nested(int depth) {
    Map<String, Object> value = new LinkedHashMap<>();
    for (int level = 1; level < depth; level++) {
      Map<String, Object> outer = new LinkedHashMap<>();
      outer.put("n", value);
      value = outer;
    }
    return value;
  }

  /** A short description of {@code threads} for a failure message: the count and the first few. */
  public static String summary(List<String> threads) {
    return threads.size() + " " + threads.subList(0, Math.min(5, threads.size())) + (threads.size() > 5 ? "…" : "");
  }
}
